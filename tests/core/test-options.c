/* RdOptions: a backend's own settings as a bag checked against the backend's table. */
#include "config.h"

#include "core/rd-error.h"
#include "core/rd-options.h"

#include <string.h>

static const char * const styles[] = { "activity", "note", NULL };
static const RdOptionSpec specs[] = {
  { "client-id", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_IDENTITY, "PBX client id", NULL },
  { "client-secret", RD_OPTION_STRING, RD_OPTION_REQUIRED | RD_OPTION_SECRET, "PBX client secret", NULL },
  { "port", RD_OPTION_UINT, 0, "event port", NULL },
  { "log-style", RD_OPTION_CHOICE, 0, "log style", styles },
  { NULL }
};

static void
assert_invalid (RdOptions *options, const char *message)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (rd_options_validate (options, specs, &error));
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_assert_cmpstr (error->message, ==, message);
}

static void
test_validate (void)
{
  g_autoptr(RdOptions) options = rd_options_new ();
  g_autoptr(GError) error = NULL;

  assert_invalid (options, "The PBX client id is missing or not usable");
  rd_options_set (options, "client-id", "");
  assert_invalid (options, "The PBX client id is missing or not usable");
  rd_options_set (options, "client-id", "abc\x01");
  assert_invalid (options, "The PBX client id is missing or not usable");
  rd_options_set (options, "client-id", "abc");
  assert_invalid (options, "The PBX client secret is missing or not usable");
  rd_options_set (options, "client-secret", "s3cret");
  g_assert_true (rd_options_validate (options, specs, &error));
  g_assert_no_error (error);

  rd_options_set (options, "port", "12x");
  assert_invalid (options, "The event port must be a whole number");
  rd_options_set (options, "port", "99999999999");
  assert_invalid (options, "The event port must be a whole number");
  rd_options_set (options, "port", "8088");
  rd_options_set (options, "log-style", "chatter");
  assert_invalid (options, "The log style must be one of: activity, note");
  rd_options_set (options, "log-style", "note");
  rd_options_set (options, "database", "x");
  assert_invalid (options, "Unknown option “database”");
  rd_options_set (options, "database", NULL);
  g_assert_true (rd_options_validate (options, specs, &error));
  g_assert_no_error (error);
}

static void
test_typed_reads (void)
{
  g_autoptr(RdOptions) options = rd_options_new ();
  g_autoptr(RdOptions) copy = NULL;
  g_autofree const char **names = NULL;
  const RdOptionSpec *port = rd_option_spec_find (specs, "port");
  const RdOptionSpec *style = rd_option_spec_find (specs, "log-style");
  const RdOptionSpec *id = rd_option_spec_find (specs, "client-id");

  g_assert_null (rd_option_spec_find (specs, "nope"));
  g_assert_cmpuint (rd_options_get_uint (options, port, 15), ==, 15);
  g_assert_cmpuint (rd_options_get_choice (options, style), ==, 0);   /* the default */
  g_assert_null (rd_options_get_string (options, id));
  rd_options_set (options, "client-id", "");
  g_assert_null (rd_options_get_string (options, id));                /* empty reads as unset */
  g_assert_cmpstr (rd_options_get (options, "client-id"), ==, "");
  rd_options_set (options, "client-id", "abc");
  rd_options_set (options, "port", "8088");
  rd_options_set (options, "log-style", "note");
  g_assert_cmpstr (rd_options_get_string (options, id), ==, "abc");
  g_assert_cmpuint (rd_options_get_uint (options, port, 15), ==, 8088);
  g_assert_cmpuint (rd_options_get_choice (options, style), ==, 1);

  copy = rd_options_copy (options);
  rd_options_set (options, "client-id", "changed");
  g_assert_cmpstr (rd_options_get (copy, "client-id"), ==, "abc");    /* a copy, not a view */
  names = rd_options_list (copy);
  g_assert_cmpuint (g_strv_length ((char **) names), ==, 3);
  g_assert_cmpstr (names[0], ==, "client-id");                        /* sorted */
  g_assert_cmpstr (names[1], ==, "log-style");
  g_assert_cmpstr (names[2], ==, "port");

  g_assert_null (rd_options_get (NULL, "client-id"));
  {
    g_autoptr(RdOptions) empty = rd_options_copy (NULL);
    g_autofree const char **none = rd_options_list (empty);

    g_assert_null (none[0]);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/options/validate", test_validate);
  g_test_add_func ("/options/typed-reads", test_typed_reads);
  return g_test_run ();
}
