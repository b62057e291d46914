/* Links from the desktop: what is dialled, what is refused (hostile input included). */
#include "config.h"

#include <string.h>

#include "core/rd-error.h"
#include "rd-format.h"
#include "rd-uri.h"

static void
test_accepts (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "tel:+8613800138000", "+8613800138000" },
    { "TEL:+86-138-0013-8000", "+8613800138000" },
    { "tel:+1-201-555-0123;ext=42", NULL },          /* checked below: starts with the number */
    { "callto:+4930123456", "+4930123456" },
    { "callto://+4930123456", "+4930123456" },
    { "sip:2002@pbx.example.com", "2002" },
    { "sips:+4930123456@example.com;transport=tls", "+4930123456" },
    { "tel:%2B49%20123%20456", "+49123456" },
    { "(030) 123.456", "030123456" },
    { "2001", "2001" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *n = rd_uri_to_number (cases[i].in, &error);

      if (error)
        g_error ("refused %s: %s", cases[i].in, error->message);
      g_assert_nonnull (n);
      if (cases[i].out)
        g_assert_cmpstr (n, ==, cases[i].out);
      else
        g_assert_true (g_str_has_prefix (n, "+12015550123"));
    }
}

static void
test_refuses (void)
{
  g_autofree char *long_digits = g_strnfill (2000, '1');
  g_autofree char *long_uri = g_strconcat ("tel:", long_digits, NULL);
  const char *many_digits = "tel:+12345678901234567890123456789012345";
  const char *cases[] = {
    "", "tel:", "tel:abc", "http://example.com/+123", "javascript:alert(1)", "file:///etc/passwd",
    "tel:+86$(rm -rf ~)", "tel:+86`id`", "tel:+86;rm -rf /", "tel:123\n456", "tel:12\x01" "3",
    "sip:alice@example.com", "tel:+86\xff\xfe", "tel:123|cat", "tel:+1+2", "callto:'; DROP TABLE",
    long_uri, many_digits,
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *n = rd_uri_to_number (cases[i], &error);

      if (n != NULL)
        g_error ("accepted %s as %s", cases[i], n);
      g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
  g_assert_null (rd_uri_to_number (NULL, NULL));
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (rd_uri_to_number ("SIP:alice@example.com", &error));
    g_assert_cmpstr (error->message, ==, "This SIP address is a name, not a phone number.");
  }
  /* Too many digits is said as such, not as "no phone number" (issue 14, defect 7). */
  {
    g_autofree char *digits = g_strnfill (200, '8');
    g_autofree char *uri = g_strconcat ("tel:+", digits, NULL);
    g_autoptr(GError) error = NULL;
    g_assert_null (rd_uri_to_number (uri, &error));
    g_assert_cmpstr (error->message, ==, "The number has too many digits to be a phone number.");
  }
  {
    g_autoptr(GError) error = NULL;
    g_assert_null (rd_uri_to_number (long_uri, &error));
    g_assert_cmpstr (error->message, ==, "The link is too long to be a phone number.");
  }
}

static void
test_schemes (void)
{
  g_assert_true (rd_uri_has_phone_scheme ("tel:1"));
  g_assert_true (rd_uri_has_phone_scheme ("SIPS:1@x"));
  g_assert_true (rd_uri_has_phone_scheme ("callto://1"));
  g_assert_false (rd_uri_has_phone_scheme ("https://x"));
  g_assert_false (rd_uri_has_phone_scheme ("+49123"));
  g_assert_false (rd_uri_has_phone_scheme (NULL));
}

static void
test_web_urls (void)
{
  g_assert_true (rd_uri_is_web_url ("https://crm.example.com/odoo/contacts/42"));
  g_assert_true (rd_uri_is_web_url ("http://127.0.0.1:8069/web#id=7&model=res.partner&view_type=form"));
  g_assert_false (rd_uri_is_web_url ("javascript:alert(1)"));
  g_assert_false (rd_uri_is_web_url ("file:///etc/passwd"));
  g_assert_false (rd_uri_is_web_url ("https:///nohost"));
  g_assert_false (rd_uri_is_web_url ("https://a.example.com/\n--foo"));
  g_assert_false (rd_uri_is_web_url ("https://a.example.com/ x"));
  g_assert_false (rd_uri_is_web_url ("-oProxyCommand=x"));
  g_assert_false (rd_uri_is_web_url (""));
  g_assert_false (rd_uri_is_web_url (NULL));
}

static void
test_excerpt (void)
{
  g_autofree char *a = rd_uri_display_excerpt ("abcdef", 3);
  g_autofree char *b = rd_uri_display_excerpt ("a\nb\tc", 10);
  g_autofree char *c = rd_uri_display_excerpt ("evil\xe2\x80\xae" "gnp.exe", 20);
  g_autofree char *d = rd_uri_display_excerpt ("bad \xff utf8", 20);

  g_assert_cmpstr (a, ==, "abc…");
  g_assert_cmpstr (b, ==, "a b c");
  g_assert_cmpstr (c, ==, "evilgnp.exe");
  g_assert_true (g_utf8_validate (d, -1, NULL));
}

/* The hub address typed in Preferences: encrypted unless the hub is on this computer. */
static void
test_hub_urls (void)
{
  static const struct { const char *in, *out; } good[] = {
    { "wss://hub.example.com:8443", "wss://hub.example.com:8443" },
    { "  hub.example.com:8443 ", "wss://hub.example.com:8443" },
    { "https://hub.example.com/agent/v1", "wss://hub.example.com/agent/v1" },
    { "WSS://Hub.Example.com", "wss://Hub.Example.com" },
    { "ws://127.0.0.1:8765", "ws://127.0.0.1:8765" },
    { "ws://localhost:8765", "ws://localhost:8765" },
    { "http://[::1]:8765", "ws://[::1]:8765" },
    { "wss://hub.example.com\n", "wss://hub.example.com" },   /* pasted with its line end */
  };
  static const char * const bad[] = {
    "", "   ", "ws://hub.example.com:8765", "http://192.168.1.5:8765", "ws://10.0.0.1",
    "ws://127.0.0.1.evil.example.com", "ftp://hub.example.com", "file:///etc/passwd",
    "wss://admin:secret@hub.example.com", "wss://hub example.com", "wss://hub.\texample.com",
    "wss://", "javascript:alert(1)",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = rd_uri_normalize_hub_url (good[i].in, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (url, ==, good[i].out);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *url = rd_uri_normalize_hub_url (bad[i], &error);

      if (url != NULL)
        g_error ("accepted hub address \"%s\" as %s", bad[i], url);
      g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
    }
}

/* ---- rd-format: how names, numbers and times are written ------------------------------ */

static void
test_format_time (void)
{
  g_autofree char *d1 = rd_format_duration (0);
  g_autofree char *d2 = rd_format_duration (125);
  g_autofree char *d3 = rd_format_duration (3725);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *today = rd_format_time (now, now);
  g_autofree char *yesterday = rd_format_time (now - 86400, now);

  g_assert_cmpstr (d1, ==, "0:00");
  g_assert_cmpstr (d2, ==, "2:05");
  g_assert_cmpstr (d3, ==, "1:02:05");
  g_assert_cmpstr (rd_format_outcome ("no-answer"), ==, "Not answered");
  g_assert_cmpstr (rd_format_outcome ("weird"), ==, "Unknown");
  g_assert_cmpuint (strlen (today), ==, 5);   /* HH:MM */
  g_assert_true (g_str_has_prefix (yesterday, "Yesterday "));
}

static void
test_format_names (void)
{
  RdAgentMatch person = { (char *) "individual", 1, (char *) "Acme Shanghai Co., Ltd., Li Wei",
                          (char *) "Acme Shanghai Co., Ltd.", NULL, NULL };
  RdAgentMatch company = { (char *) "company", 2, (char *) "Acme Shanghai Co., Ltd.",
                           (char *) "Acme Shanghai Co., Ltd.", NULL, NULL };
  RdAgentMatch nameless = { (char *) "lead", 3, (char *) "", NULL, NULL, NULL };
  g_autofree char *short_name = rd_format_middle ("Li Wei", 10);
  g_autofree char *middle = rd_format_middle ("Wolfeschlegelsteinhausenbergerdorff Senior", 15);
  g_autofree char *cjk = rd_format_middle ("上海贸易有限公司王芳经理办公室", 7);
  g_autofree char *hostile = rd_format_middle ("a\xe2\x80\xae" "b\ncd", 10);
  g_autofree char *label = rd_format_menu_label ("Li_Wei __init__");

  /* Names read as people are called, the company is shown on its own. */
  g_assert_cmpstr (rd_format_person_name (&person), ==, "Li Wei");
  g_assert_cmpstr (rd_format_person_name (&company), ==, "Acme Shanghai Co., Ltd.");
  g_assert_null (rd_format_person_name (&nameless));
  g_assert_null (rd_format_person_name (NULL));
  /* Long names lose their middle: both ends stay readable. */
  g_assert_cmpstr (short_name, ==, "Li Wei");
  g_assert_cmpstr (middle, ==, "Wolfesc…Senior");
  g_assert_cmpint (g_utf8_strlen (middle, -1), <=, 15);
  g_assert_cmpint (g_utf8_strlen (cjk, -1), ==, 7);
  g_assert_true (g_str_has_prefix (cjk, "上海贸"));
  g_assert_true (g_str_has_suffix (cjk, "办公室"));
  g_assert_cmpstr (hostile, ==, "ab cd");
  /* Numbers stay on one line. */
  {
    g_autofree char *nowrap = rd_format_number_nowrap ("+1 212-555-0100");
    g_assert_cmpstr (nowrap, ==, "+1\xc2\xa0" "212\xe2\x80\x91" "555\xe2\x80\x91" "0100");
  }
  /* A name in a menu never becomes a mnemonic. */
  g_assert_cmpstr (label, ==, "Li__Wei ____init____");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/uri/accepts", test_accepts);
  g_test_add_func ("/app/uri/refuses", test_refuses);
  g_test_add_func ("/app/uri/schemes", test_schemes);
  g_test_add_func ("/app/uri/web-urls", test_web_urls);
  g_test_add_func ("/app/uri/excerpt", test_excerpt);
  g_test_add_func ("/app/uri/hub-urls", test_hub_urls);
  g_test_add_func ("/app/format/time", test_format_time);
  g_test_add_func ("/app/format/names", test_format_names);
  return g_test_run ();
}
