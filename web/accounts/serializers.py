from rest_framework import serializers


class MeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["partner", "staff"])
    partner = serializers.UUIDField(required=False)
    partner_name = serializers.CharField(required=False)
    key_prefix = serializers.CharField(required=False, allow_null=True)
    user = serializers.UUIDField(required=False)
    email = serializers.EmailField(required=False)
    role = serializers.CharField(required=False)
