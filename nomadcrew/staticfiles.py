"""Static files: URLs that follow each request's script prefix, streamed without warnings under
ASGI.

On Lambda one container answers under API Gateway's stage path (``/dev/admin/...``, where Zappa
sets SCRIPT_NAME to ``/dev``) and on a custom domain (no prefix). Django reads STATIC_URL once per
process, so a prefix baked into it would be wrong for one of the two; STATIC_URL stays an absolute
path (``/static/``, which is also what WhiteNoise matches against PATH_INFO) and the storage adds
the prefix of the request being answered.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.urls import get_script_prefix
from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

CHUNK_BYTES = 64 * 1024


class ScriptPrefixedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage with per-request script prefixes."""

    def url(self, name, force=False):
        url = super().url(name, force)
        prefix = get_script_prefix()
        if prefix == "/" or not url.startswith("/") or url.startswith(("//", prefix)):
            return url
        return prefix.rstrip("/") + url


async def _read_in_thread(filelike):
    read = sync_to_async(filelike.read, thread_sensitive=False)
    while chunk := await read(CHUNK_BYTES):
        yield chunk


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, streaming files asynchronously under ASGI.

    WhiteNoise 6 answers with a file iterator, which Django's ASGI handler can only consume by
    buffering it and warning ("StreamingHttpResponse must consume synchronous iterators") on
    every large file; under ASGI the file is read in a worker thread instead. WSGI (Lambda)
    keeps WhiteNoise's response as it is.
    """

    @staticmethod
    def serve(static_file, request):
        response = WhiteNoiseMiddleware.serve(static_file, request)
        filelike = getattr(response, "file_to_stream", None)
        if isinstance(request, ASGIRequest) and filelike is not None:
            response.streaming_content = _read_in_thread(filelike)  # closed with the response
        return response
