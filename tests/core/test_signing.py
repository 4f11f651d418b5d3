"""After a secret rotation, do links signed with the old key still work? (SECRET_KEY_FALLBACKS)"""

import pytest
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.core.signing import signing_keys

pytestmark = pytest.mark.pure


def test_is_an_old_signature_accepted_and_a_new_one_made_with_the_new_key():
    old = URLSafeTimedSerializer("old-key", salt="s").dumps([1, "x"])
    rotated = URLSafeTimedSerializer(
        signing_keys({"SECRET_KEY": "new-key", "SECRET_KEY_FALLBACKS": ["old-key"]}), salt="s"
    )
    assert rotated.loads(old) == [1, "x"]
    fresh = rotated.dumps("y")
    assert URLSafeTimedSerializer("new-key", salt="s").loads(fresh) == "y"
    with pytest.raises(BadSignature):
        URLSafeTimedSerializer(signing_keys({"SECRET_KEY": "new-key"}), salt="s").loads(old)
