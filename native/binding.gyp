# Builds the pre-hashed signature verifier against Node's own headers and the OpenSSL that is
# statically linked into (and exported by) the node binary. No system OpenSSL is used or linked.
{
  "targets": [
    {
      "target_name": "sealhouse_verify",
      "sources": ["verify_digest.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-deprecated-declarations"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
