/*
 * Pre-hashed signature verification for Sealhouse (DESIGN.md §4).
 *
 * node:crypto's verify() always hashes its input, so it cannot check a hashedrekord signature
 * (rekor-api.md §2.1) when the server only has the artifact digest. This addon calls the OpenSSL
 * that Node itself bundles: EVP_PKEY_verify() with EVP_PKEY_CTX_set_signature_md(), which verifies
 * a signature over a given digest for ECDSA (DER ECDSA-Sig-Value, high-S accepted) and RSA
 * PKCS#1 v1.5 (DigestInfo checked by OpenSSL). Inputs are normalised in JavaScript first
 * (src/entries/digest-verify.ts), so this file stays small.
 *
 *   verifyDigest(spkiDer: Uint8Array, digestName: 'sha256'|'sha384'|'sha512',
 *                digest: Uint8Array, signature: Uint8Array) -> boolean
 *   verifyEcdsa(curve: 'P-256'|'P-384'|'P-521', point: Uint8Array (SEC1 uncompressed),
 *               digest: Uint8Array, derSignature: Uint8Array) -> boolean
 *
 *   verifyEcdsaAsync(curve, point, digest, derSignature) -> Promise<boolean>
 *
 * verifyEcdsaAsync is verifyEcdsa on libuv's thread pool: the JavaScript thread is the server's
 * limit (≈ 130 µs of its ≈ 1 ms per entry went to this verification) while the second core sat
 * partly idle. Queueing a napi_async_work costs a few µs on the JavaScript thread, far less than
 * a worker_threads postMessage round trip; the inputs are copied (a few hundred bytes), so the
 * caller's buffers may change or be collected while the job runs.
 *
 * verifyEcdsa exists for speed: OpenSSL 3's SPKI decoder (d2i_PUBKEY) costs more than the ECDSA
 * verification itself, and every hashedrekord entry brings a fresh key, so nothing can be cached
 * per key. It uses the low-level EC_KEY API (deprecated in 3.0 but exported by node) with one
 * EC_GROUP per curve built once.
 *
 * Any OpenSSL failure (unparsable key, wrong digest length, bad signature) returns false; only
 * wrong argument types throw.
 */
#include <node_api.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/rsa.h>
#include <openssl/err.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Built on first use, kept for the life of the process (the addon is never unloaded). */
static EC_GROUP *groups[3];

static int get_bytes(napi_env env, napi_value v, const unsigned char **data, size_t *len) {
  bool is_typed = false;
  if (napi_is_typedarray(env, v, &is_typed) != napi_ok || !is_typed) return 0;
  napi_typedarray_type type;
  void *raw = NULL;
  size_t length = 0;
  napi_value buffer;
  size_t offset = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &raw, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (const unsigned char *)raw;
  *len = length;
  return 1;
}

static const EVP_MD *digest_by_name(napi_env env, napi_value v) {
  char name[16];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, name, sizeof(name), &n) != napi_ok) return NULL;
  if (strcmp(name, "sha256") == 0) return EVP_sha256();
  if (strcmp(name, "sha384") == 0) return EVP_sha384();
  if (strcmp(name, "sha512") == 0) return EVP_sha512();
  return NULL;
}

static int verify(const unsigned char *spki, size_t spki_len, const EVP_MD *md,
                  const unsigned char *digest, size_t digest_len,
                  const unsigned char *sig, size_t sig_len) {
  const unsigned char *p = spki;
  EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, (long)spki_len);
  int ok = 0;
  if (pkey == NULL) goto done;
  /* d2i_PUBKEY ignores trailing bytes; a key with junk after it is not the key we were given. */
  if ((size_t)(p - spki) != spki_len) goto done;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
  if (ctx == NULL) goto done;
  if (EVP_PKEY_verify_init(ctx) == 1 && EVP_PKEY_CTX_set_signature_md(ctx, md) == 1) {
    int is_rsa = EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA;
    if (!is_rsa || EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1) {
      ok = EVP_PKEY_verify(ctx, sig, sig_len, digest, digest_len) == 1;
    }
  }
  EVP_PKEY_CTX_free(ctx);
done:
  EVP_PKEY_free(pkey);
  /* Failures leave entries on OpenSSL's per-thread error queue, which Node's own crypto code
     would otherwise report as a stale error later. */
  ERR_clear_error();
  return ok;
}

static napi_value VerifyDigest(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    napi_throw_type_error(env, NULL, "verifyDigest(spki, digestName, digest, signature) takes 4 arguments");
    return NULL;
  }
  const unsigned char *spki, *digest, *sig;
  size_t spki_len, digest_len, sig_len;
  const EVP_MD *md = digest_by_name(env, argv[1]);
  if (!get_bytes(env, argv[0], &spki, &spki_len) || !get_bytes(env, argv[2], &digest, &digest_len) ||
      !get_bytes(env, argv[3], &sig, &sig_len) || md == NULL) {
    napi_throw_type_error(env, NULL, "verifyDigest: expected (Uint8Array, 'sha256'|'sha384'|'sha512', Uint8Array, Uint8Array)");
    return NULL;
  }
  int ok = verify(spki, spki_len, md, digest, digest_len, sig, sig_len);
  napi_get_boolean(env, ok != 0, &result);
  return result;
}

static int curve_index(napi_env env, napi_value v, int *nid) {
  char name[8];
  size_t n = 0;
  if (napi_get_value_string_utf8(env, v, name, sizeof(name), &n) != napi_ok) return -1;
  if (strcmp(name, "P-256") == 0) { *nid = NID_X9_62_prime256v1; return 0; }
  if (strcmp(name, "P-384") == 0) { *nid = NID_secp384r1; return 1; }
  if (strcmp(name, "P-521") == 0) { *nid = NID_secp521r1; return 2; }
  return -1;
}

static int verify_ecdsa(int idx, int nid, const unsigned char *point, size_t point_len,
                        const unsigned char *digest, size_t digest_len,
                        const unsigned char *sig, size_t sig_len) {
  int ok = 0;
  if (groups[idx] == NULL) groups[idx] = EC_GROUP_new_by_curve_name(nid);
  EC_KEY *key = groups[idx] == NULL ? NULL : EC_KEY_new();
  if (key == NULL || EC_KEY_set_group(key, groups[idx]) != 1) goto done;
  const unsigned char *p = point;
  /* o2i_ECPublicKey checks the point is on the curve. */
  if (o2i_ECPublicKey(&key, &p, (long)point_len) == NULL || (size_t)(p - point) != point_len) goto done;
  ok = ECDSA_verify(0, digest, (int)digest_len, sig, (int)sig_len, key) == 1;
done:
  EC_KEY_free(key);
  ERR_clear_error();
  return ok;
}

/* The four arguments of verifyEcdsa and verifyEcdsaAsync; throws a TypeError naming `fn` and returns 0 when they are wrong. */
typedef struct {
  int idx, nid;
  const unsigned char *point, *digest, *sig;
  size_t point_len, digest_len, sig_len;
} ecdsa_args;

static int read_ecdsa_args(napi_env env, napi_callback_info info, const char *fn, ecdsa_args *a) {
  size_t argc = 4;
  napi_value argv[4];
  char message[160];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) {
    snprintf(message, sizeof(message), "%s(curve, point, digest, signature) takes 4 arguments", fn);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  a->idx = curve_index(env, argv[0], &a->nid);
  if (a->idx < 0 || !get_bytes(env, argv[1], &a->point, &a->point_len) || !get_bytes(env, argv[2], &a->digest, &a->digest_len) ||
      !get_bytes(env, argv[3], &a->sig, &a->sig_len)) {
    snprintf(message, sizeof(message), "%s: expected ('P-256'|'P-384'|'P-521', Uint8Array, Uint8Array, Uint8Array)", fn);
    napi_throw_type_error(env, NULL, message);
    return 0;
  }
  return 1;
}

static napi_value VerifyEcdsa(napi_env env, napi_callback_info info) {
  ecdsa_args a;
  napi_value result;
  if (!read_ecdsa_args(env, info, "verifyEcdsa", &a)) return NULL;
  napi_get_boolean(env, verify_ecdsa(a.idx, a.nid, a.point, a.point_len, a.digest, a.digest_len, a.sig, a.sig_len) != 0, &result);
  return result;
}

/* One queued verification: inputs copied in, the outcome written by the pool thread. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int idx, nid, ok;
  size_t point_len, digest_len, sig_len;
  unsigned char point[133]; /* uncompressed P-521 point: 1 + 2 × 66 */
  unsigned char digest[64];
  unsigned char sig[144];   /* DER P-521 signature: at most 139 bytes */
} ecdsa_job;

static void ExecuteEcdsa(napi_env env, void *data) {
  (void)env; /* runs on a pool thread: no N-API calls here */
  ecdsa_job *job = (ecdsa_job *)data;
  job->ok = verify_ecdsa(job->idx, job->nid, job->point, job->point_len, job->digest, job->digest_len, job->sig, job->sig_len);
}

static void CompleteEcdsa(napi_env env, napi_status status, void *data) {
  ecdsa_job *job = (ecdsa_job *)data;
  napi_value result;
  napi_get_boolean(env, status == napi_ok && job->ok != 0, &result);
  napi_resolve_deferred(env, job->deferred, result);
  napi_delete_async_work(env, job->work);
  free(job);
}

static napi_value VerifyEcdsaAsync(napi_env env, napi_callback_info info) {
  ecdsa_args a;
  napi_value promise;
  if (!read_ecdsa_args(env, info, "verifyEcdsaAsync", &a)) return NULL;
  int idx = a.idx, nid = a.nid;
  const unsigned char *point = a.point, *digest = a.digest, *sig = a.sig;
  size_t point_len = a.point_len, digest_len = a.digest_len, sig_len = a.sig_len;
  ecdsa_job *job = (ecdsa_job *)calloc(1, sizeof(ecdsa_job));
  if (job == NULL) {
    napi_throw_error(env, NULL, "verifyEcdsaAsync: out of memory");
    return NULL;
  }
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    free(job);
    return NULL;
  }
  /* Inputs longer than any valid one cannot verify: answer false without queueing. */
  if (point_len > sizeof(job->point) || digest_len > sizeof(job->digest) || sig_len > sizeof(job->sig)) {
    napi_value no;
    napi_get_boolean(env, false, &no);
    napi_resolve_deferred(env, job->deferred, no);
    free(job);
    return promise;
  }
  /* The group is built here, on the JavaScript thread, so pool threads only ever read it. */
  if (groups[idx] == NULL) groups[idx] = EC_GROUP_new_by_curve_name(nid);
  if (groups[idx] == NULL) {
    napi_value no;
    napi_get_boolean(env, false, &no);
    napi_resolve_deferred(env, job->deferred, no);
    free(job);
    return promise;
  }
  job->idx = idx;
  job->nid = nid;
  job->point_len = point_len;
  job->digest_len = digest_len;
  job->sig_len = sig_len;
  memcpy(job->point, point, point_len);
  memcpy(job->digest, digest, digest_len);
  memcpy(job->sig, sig, sig_len);
  napi_value name;
  napi_create_string_utf8(env, "sealhouse:verifyEcdsa", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, ExecuteEcdsa, CompleteEcdsa, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    napi_value no;
    napi_get_boolean(env, false, &no);
    napi_reject_deferred(env, job->deferred, no);
    free(job);
  }
  return promise;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "verifyDigest", NAPI_AUTO_LENGTH, VerifyDigest, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "verifyDigest", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "verifyEcdsa", NAPI_AUTO_LENGTH, VerifyEcdsa, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "verifyEcdsa", fn) != napi_ok) return NULL;
  if (napi_create_function(env, "verifyEcdsaAsync", NAPI_AUTO_LENGTH, VerifyEcdsaAsync, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "verifyEcdsaAsync", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
