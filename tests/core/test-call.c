#include "config.h"

#include "core/rd-call.h"
#include "core/rd-error.h"

#include <gio/gio.h>

static void
test_outcome_spellings (void)
{
  g_assert_cmpint (rd_outcome_from_string ("ANSWERED"), ==, RD_OUTCOME_ANSWERED);
  g_assert_cmpint (rd_outcome_from_string ("ANSWERD"), ==, RD_OUTCOME_ANSWERED);
  g_assert_cmpint (rd_outcome_from_string ("NO ANSWER"), ==, RD_OUTCOME_NO_ANSWER);
  g_assert_cmpint (rd_outcome_from_string ("no_answer"), ==, RD_OUTCOME_NO_ANSWER);
  g_assert_cmpint (rd_outcome_from_string ("BUSY"), ==, RD_OUTCOME_BUSY);
  g_assert_cmpint (rd_outcome_from_string ("VoiceMail"), ==, RD_OUTCOME_VOICEMAIL);
  g_assert_cmpint (rd_outcome_from_string ("FAILED"), ==, RD_OUTCOME_FAILED);
  g_assert_cmpint (rd_outcome_from_string ("whatever"), ==, RD_OUTCOME_UNKNOWN);
  g_assert_cmpint (rd_outcome_from_string (NULL), ==, RD_OUTCOME_UNKNOWN);
  g_assert_cmpstr (rd_outcome_to_string (RD_OUTCOME_NO_ANSWER), ==, "no-answer");
}

static void
test_direction_spellings (void)
{
  g_assert_cmpint (rd_direction_from_string ("Internal"), ==, RD_DIRECTION_INTERNAL);
  g_assert_cmpint (rd_direction_from_string (" inbound "), ==, RD_DIRECTION_INBOUND);
  g_assert_cmpint (rd_direction_from_string ("OUTBOUND"), ==, RD_DIRECTION_OUTBOUND);
  g_assert_cmpint (rd_direction_from_string ("sideways"), ==, RD_DIRECTION_UNKNOWN);
  g_assert_cmpstr (rd_call_state_to_string (RD_CALL_STATE_ANSWERED), ==, "answered");
  g_assert_cmpint (rd_call_state_from_string ("held"), ==, RD_CALL_STATE_HELD);
}

static void
test_record_key_and_copy (void)
{
  g_autoptr(RdCallRecord) rec = rd_call_record_new ();
  g_autoptr(RdCallRecord) copy = NULL;
  g_autofree char *key1 = NULL;
  g_autofree char *key2 = NULL;

  rec->call_id = g_strdup ("1650012665.266");
  key1 = rd_call_record_key (rec);
  g_assert_cmpstr (key1, ==, "call:1650012665.266");

  rec->uid = g_strdup ("u-77");
  rec->from_number = g_strdup ("+8613800138000");
  copy = rd_call_record_copy (rec);
  key2 = rd_call_record_key (copy);
  g_assert_cmpstr (key2, ==, "uid:u-77");
  g_assert_cmpstr (copy->from_number, ==, "+8613800138000");
  g_assert_true (copy->from_number != rec->from_number);
}

static void
test_error_classes (void)
{
  g_autoptr(GError) net = g_error_new_literal (RD_ERROR, RD_ERROR_NETWORK, "down");
  g_autoptr(GError) auth = g_error_new_literal (RD_ERROR, RD_ERROR_AUTH, "bad key");
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  g_assert_true (rd_error_is_transient (net));
  g_assert_true (rd_error_is_uncertain (net));
  g_assert_false (rd_error_is_transient (auth));
  g_assert_false (rd_error_is_transient (other));
  g_assert_cmpstr (rd_error_code_to_string (RD_ERROR_AUTH), ==, "auth");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/call/outcome-spellings", test_outcome_spellings);
  g_test_add_func ("/call/direction-spellings", test_direction_spellings);
  g_test_add_func ("/call/record-key-and-copy", test_record_key_and_copy);
  g_test_add_func ("/error/classes", test_error_classes);
  return g_test_run ();
}
