"""DRF fields that take JSON's own types only. DRF's CharField turns 1234 into "1234" and
its BooleanField takes "yes", 1 and "on": an API whose schema says string or boolean
refuses anything else with a 400 (the integer kin is kosha.integers.JsonIntegerField)."""

from rest_framework import serializers


class JsonTextField(serializers.CharField):
    """A JSON string, never a number or a boolean made into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    """true or false, never "yes", 1 or "on"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data
