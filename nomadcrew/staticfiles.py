"""Static file URLs that follow each request's script prefix.

On Lambda one container answers under API Gateway's stage path (``/dev/admin/...``, where Zappa
sets SCRIPT_NAME to ``/dev``) and on a custom domain (no prefix). Django reads STATIC_URL once per
process, so a prefix baked into it would be wrong for one of the two; STATIC_URL stays an absolute
path (``/static/``, which is also what WhiteNoise matches against PATH_INFO) and the storage adds
the prefix of the request being answered.
"""

from django.urls import get_script_prefix
from whitenoise.storage import CompressedManifestStaticFilesStorage


class ScriptPrefixedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage with per-request script prefixes."""

    def url(self, name, force=False):
        url = super().url(name, force)
        prefix = get_script_prefix()
        if prefix == "/" or not url.startswith("/") or url.startswith(("//", prefix)):
            return url
        return prefix.rstrip("/") + url
