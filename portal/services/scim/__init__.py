"""SCIM 2.0 provisioning (RFC 7643/7644): tokens and people; see docs/identity.md."""
