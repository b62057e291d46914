#include "config.h"

#include "core/rd-tls-pin.h"

#include "core/rd-error.h"
#include "core/rd-loopback.h"

#include <string.h>

#define DIGEST_HEX 64

struct _RdTlsPin
{
  GTlsDatabase  parent_instance;
  char         *digest;   /* lower-case hex; immutable, so safe on TLS handshake threads */
};

G_DEFINE_FINAL_TYPE (RdTlsPin, rd_tls_pin, G_TYPE_TLS_DATABASE)

char *
rd_tls_pin_normalize (const char *text, GError **error)
{
  g_autoptr(GString) hex = g_string_sized_new (DIGEST_HEX);
  gsize length;
  gboolean pairs;

  if (text == NULL || *text == '\0')
    {
      g_set_error_literal (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The certificate fingerprint is empty");
      return NULL;
    }
  length = strlen (text);
  pairs = strchr (text, ':') != NULL;
  /* 64 digits, or 32 pairs and 31 colons. */
  if (length != (pairs ? DIGEST_HEX + DIGEST_HEX / 2 - 1 : DIGEST_HEX))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The certificate fingerprint must be a SHA-256 digest: 64 hexadecimal digits, "
                   "plain or in pairs separated by “:” (%" G_GSIZE_FORMAT " characters given)", length);
      return NULL;
    }
  for (gsize i = 0; i < length; i++)
    {
      gboolean colon_here = pairs && i % 3 == 2;

      if (colon_here ? text[i] != ':' : !g_ascii_isxdigit (text[i]))
        {
          g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                       "The certificate fingerprint must be a SHA-256 digest: 64 hexadecimal digits, "
                       "plain or in pairs separated by “:” (unexpected character at position %" G_GSIZE_FORMAT ")",
                       i + 1);
          return NULL;
        }
      if (!colon_here)
        g_string_append_c (hex, g_ascii_tolower (text[i]));
    }
  return g_string_free (g_steal_pointer (&hex), FALSE);
}

RdTlsPin *
rd_tls_pin_new (const char *text, GError **error)
{
  g_autofree char *digest = rd_tls_pin_normalize (text, error);
  RdTlsPin *self;

  if (digest == NULL)
    return NULL;
  self = g_object_new (RD_TYPE_TLS_PIN, NULL);
  self->digest = g_steal_pointer (&digest);
  return self;
}

const char *
rd_tls_pin_get_digest (RdTlsPin *self)
{
  g_return_val_if_fail (RD_IS_TLS_PIN (self), NULL);
  return self->digest;
}

char *
rd_tls_pin_certificate_digest (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;

  if (certificate == NULL)
    return NULL;
  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

gboolean
rd_tls_pin_matches (RdTlsPin *self, GTlsCertificate *certificate)
{
  g_autofree char *digest = NULL;

  g_return_val_if_fail (RD_IS_TLS_PIN (self), FALSE);

  digest = rd_tls_pin_certificate_digest (certificate);
  return digest != NULL && g_str_equal (digest, self->digest);
}

char *
rd_tls_pin_display (const char *digest)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; digest != NULL && digest[i] != '\0'; i++)
    {
      if (i > 0 && i % 2 == 0)
        g_string_append_c (out, ':');
      g_string_append_c (out, g_ascii_toupper (digest[i]));
    }
  return g_string_free (out, FALSE);
}

/* ---- the database: only the pinned certificate is trusted --------------------------------- */

static GTlsCertificateFlags
rd_tls_pin_verify_chain (GTlsDatabase *database, GTlsCertificate *chain, const gchar *purpose,
                         GSocketConnectable *identity, GTlsInteraction *interaction,
                         GTlsDatabaseVerifyFlags flags, GCancellable *cancellable, GError **error)
{
  RdTlsPin *self = RD_TLS_PIN (database);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return G_TLS_CERTIFICATE_GENERIC_ERROR;
  /* The pin names the certificate itself: its issuer, its host names and a public CA's view of
   * it do not matter, and nothing else is trusted. */
  return rd_tls_pin_matches (self, chain) ? 0 : G_TLS_CERTIFICATE_UNKNOWN_CA;
}

static gchar *
rd_tls_pin_create_certificate_handle (GTlsDatabase *database, GTlsCertificate *certificate)
{
  return NULL;
}

static GTlsCertificate *
rd_tls_pin_lookup_certificate_for_handle (GTlsDatabase *database, const gchar *handle,
                                          GTlsInteraction *interaction, GTlsDatabaseLookupFlags flags,
                                          GCancellable *cancellable, GError **error)
{
  return NULL;
}

static GTlsCertificate *
rd_tls_pin_lookup_certificate_issuer (GTlsDatabase *database, GTlsCertificate *certificate,
                                      GTlsInteraction *interaction, GTlsDatabaseLookupFlags flags,
                                      GCancellable *cancellable, GError **error)
{
  return NULL;
}

static GList *
rd_tls_pin_lookup_certificates_issued_by (GTlsDatabase *database, GByteArray *issuer_raw_dn,
                                          GTlsInteraction *interaction, GTlsDatabaseLookupFlags flags,
                                          GCancellable *cancellable, GError **error)
{
  return NULL;
}

static void
rd_tls_pin_finalize (GObject *object)
{
  RdTlsPin *self = RD_TLS_PIN (object);

  g_free (self->digest);
  G_OBJECT_CLASS (rd_tls_pin_parent_class)->finalize (object);
}

static void
rd_tls_pin_class_init (RdTlsPinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  object_class->finalize = rd_tls_pin_finalize;
  database_class->verify_chain = rd_tls_pin_verify_chain;
  database_class->create_certificate_handle = rd_tls_pin_create_certificate_handle;
  database_class->lookup_certificate_for_handle = rd_tls_pin_lookup_certificate_for_handle;
  database_class->lookup_certificate_issuer = rd_tls_pin_lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by = rd_tls_pin_lookup_certificates_issued_by;
}

static void
rd_tls_pin_init (RdTlsPin *self)
{
}

/* ---- addresses ------------------------------------------------------------------------------ */

gboolean
rd_tls_pin_check_url (const char *url, gboolean has_pin, gboolean allow_insecure, const char *what,
                      GError **error)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const char *scheme = uri != NULL ? g_uri_get_scheme (uri) : NULL;
  gboolean https;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (scheme, "https") != 0 && g_ascii_strcasecmp (scheme, "http") != 0))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT, "The %s address must be an http:// or https:// URL with a host",
                   what);
      return FALSE;
    }
  if (g_uri_get_userinfo (uri) != NULL)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The %s address must not carry credentials; give them separately", what);
      return FALSE;
    }
  https = g_ascii_strcasecmp (scheme, "https") == 0;
  if (!https && has_pin)
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "A pinned certificate needs an https:// %s address", what);
      return FALSE;
    }
  if (!https && !allow_insecure && !rd_loopback_host (g_uri_get_host (uri)))
    {
      g_set_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT,
                   "The %s address is plain http:// to another computer: its credentials would travel "
                   "unencrypted. Use https:// (pin a self-signed certificate with its SHA-256 fingerprint), "
                   "or allow it explicitly with the insecure option", what);
      return FALSE;
    }
  return TRUE;
}

gboolean
rd_tls_pin_url_is_insecure (const char *url)
{
  g_autoptr(GUri) uri = url != NULL ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;

  return uri != NULL && g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") == 0 &&
         !rd_loopback_host (g_uri_get_host (uri));
}
