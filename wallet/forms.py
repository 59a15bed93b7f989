import uuid

from django import forms


class CreditAdjustmentForm(forms.Form):
    GRANT = "grant"
    DEDUCT = "deduct"
    # Shown when the same request id comes back with other values (the browser's back
    # button): the first submission stands.
    RESUBMITTED = "This form was already submitted; open it again to make another movement."

    operation = forms.ChoiceField(
        choices=[(GRANT, "Grant credits"), (DEDUCT, "Deduct credits")], widget=forms.RadioSelect
    )
    amount = forms.IntegerField(min_value=1, max_value=10_000_000)
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded on the ledger entry with your name; the user sees it too.",
    )
    # Drawn once when the form is shown: submitting it twice moves the credits once.
    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def clean(self):
        super().clean()
        data = self.cleaned_data  # what Form.clean returns; its stub says "or None"
        if "operation" in data and "amount" in data:
            # What wallet.services.adjust_credits takes: a grant adds, a deduction takes.
            data["change"] = data["amount"] if data["operation"] == self.GRANT else -data["amount"]
        return data
