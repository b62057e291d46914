/* fuzz-phone.c — every input goes through URI extraction, parsing in several
 * regions (with default and pattern rules), search keys and same_subscriber. */
#include "config.h"

#include "core/rd-error.h"
#include "core/rd-phone.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_number (const RdPhoneNumber *n)
{
  g_auto(GStrv) keys = rd_phone_search_keys (n);
  g_autoptr(RdPhoneNumber) copy = rd_phone_number_copy (n);

  g_assert_nonnull (keys);
  g_assert_nonnull (n->raw);
  g_assert_true (g_utf8_validate (n->raw, -1, NULL));
  if (n->kind == RD_NUMBER_EXTERNAL)
    {
      g_assert_nonnull (keys[0]);
      g_assert_nonnull (n->e164);
      g_assert_nonnull (n->nsn);
      g_assert_true (n->e164[0] == '+');
      g_assert_true (rd_phone_same_subscriber (n, copy));
    }
  else
    {
      g_assert_null (n->e164);
    }
  if (n->kind == RD_NUMBER_WITHHELD)
    g_assert_false (rd_phone_same_subscriber (n, copy));
  if (n->digits != NULL)
    {
      const char *d = n->digits[0] == '+' ? n->digits + 1 : n->digits;
      g_assert_true (d[0] != '\0');
      g_assert_true (strspn (d, "0123456789") == strlen (d));
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *const regions[] = { "CN", "US", "GB", "DE", NULL };
  const char *text = (const char *) data;
  g_autofree char *terminated = g_strndup (text, size);
  g_autofree char *extracted = NULL;
  g_autoptr(RdPhoneNumber) first = NULL;
  RdPhoneRules rules;

  /* NUL-terminated view (stops at the first NUL) for the URI API */
  extracted = rd_phone_extract_from_uri (terminated, NULL);
  if (extracted != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RdPhoneNumber) again = rd_phone_parse (extracted, -1, "CN", NULL, &error);
      g_assert_true (again != NULL || error != NULL);
    }

  rd_phone_rules_init (&rules);
  for (guint i = 0; regions[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(RdPhoneNumber) n = rd_phone_parse (text, (gssize) size, regions[i], &rules, &error);

      if (n == NULL)
        {
          g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
          continue;
        }
      g_assert_no_error (error);
      check_number (n);
      if (first == NULL)
        first = g_steal_pointer (&n);
      else
        (void) rd_phone_same_subscriber (first, n);
    }

  rules.ext_pattern = g_strdup ("^[1-9][0-9]{3}$");
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(RdPhoneNumber) n = rd_phone_parse (text, (gssize) size, "FR", &rules, &error);
    if (n != NULL)
      check_number (n);
    else
      g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  }
  rd_phone_rules_clear (&rules);
  return 0;
}
