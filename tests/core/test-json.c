/* rd_json_depth_ok: the nesting check before a recursive JSON parser. */
#include "config.h"

#include "core/rd-json.h"

#include <string.h>

/* Checks @text through an exact-size copy without a NUL, so that a read past
 * @len shows up under ASan. */
static gboolean
depth_ok (const char *text, gsize len, guint max_depth)
{
  g_autofree char *copy = len > 0 ? g_memdup2 (text, len) : NULL;

  return rd_json_depth_ok (copy, len, max_depth);
}

#define OK(text, max) depth_ok ((text), sizeof (text) - 1, (max))

static char *
nested (guint depth, const char *open, const char *inner, const char *close)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, inner);
  for (guint i = 0; i < depth; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static void
test_limits (void)
{
  g_autofree char *deep64 = nested (64, "[", "1", "]");
  g_autofree char *objects = nested (16, "{\"a\":", "null", "}");

  g_assert_true (depth_ok (NULL, 0, 0));
  g_assert_true (OK ("", 0));
  g_assert_true (OK ("42", 0));
  g_assert_true (OK ("\"text\"", 0));
  g_assert_false (OK ("{}", 0));
  g_assert_true (OK ("{}", 1));
  g_assert_true (OK ("{\"a\":[[1]]}", 3));
  g_assert_false (OK ("{\"a\":[[1]]}", 2));
  /* siblings do not add up */
  g_assert_true (OK ("[[1],[2],{\"a\":[3]},[[]]]", 3));
  g_assert_true (depth_ok (deep64, strlen (deep64), 64));
  g_assert_false (depth_ok (deep64, strlen (deep64), 63));
  g_assert_true (depth_ok (objects, strlen (objects), 16));
  g_assert_false (depth_ok (objects, strlen (objects), 15));
}

static void
test_hostile_depth (void)
{
  /* A megabyte of opening brackets: refused, quickly, without recursion. */
  gsize len = 1024 * 1024;
  g_autofree char *deep = g_malloc (len);

  memset (deep, '[', len);
  g_assert_false (rd_json_depth_ok (deep, len, 64));
  memset (deep, '{', len);
  g_assert_false (rd_json_depth_ok (deep, len, 64));
  /* stray closers first do not buy depth for later openers */
  g_assert_true (OK ("]]]]}}}}[[[", 3));
  g_assert_false (OK ("]]]]}}}}[[[", 2));
}

static void
test_strings (void)
{
  /* brackets inside strings do not count */
  g_assert_true (OK ("{\"a\":\"[[[[{{{{\"}", 1));
  g_assert_true (OK ("{\"[[[[\":\"]]]]\"}", 1));
  /* an escaped quote does not end the string */
  g_assert_true (OK ("{\"a\":\"\\\"[[[[\"}", 1));
  g_assert_true (OK ("[\"\\\"\",\"\\\"[[[\"]", 1));
  /* an escaped backslash does not escape the quote after it: the string ends there */
  g_assert_false (OK ("[\"\\\\\"[[[]]]]", 3));
  g_assert_true (OK ("[\"\\\\\"[[[]]]]", 4));
  /* other escapes, unicode escapes and raw UTF-8 */
  g_assert_true (OK ("[\"\\n\\t\\u005b\\u007b\xe2\x80\x8f[\"]", 1));
  /* a closing bracket in a string does not lower the depth either */
  g_assert_false (OK ("[[\"]]]]]]\",[[1]]]]", 3));
}

static void
test_truncated (void)
{
  const char *text = "[[[[[[";

  /* only @len bytes are read */
  g_assert_true (depth_ok (text, 2, 2));
  g_assert_false (depth_ok (text, 3, 2));
  /* truncated inside a string, after a backslash, mid-escape */
  g_assert_true (OK ("[[\"abc\\", 2));
  g_assert_true (OK ("[[\"abc\\u00", 2));
  g_assert_true (OK ("[\"[[[[", 1));
  g_assert_false (OK ("[[[\"", 2));
  /* an embedded NUL is just a byte */
  g_assert_false (depth_ok ("[\0[[", 4, 2));
  g_assert_true (depth_ok ("[\0\"[[", 5, 1));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/json/limits", test_limits);
  g_test_add_func ("/core/json/hostile-depth", test_hostile_depth);
  g_test_add_func ("/core/json/strings", test_strings);
  g_test_add_func ("/core/json/truncated", test_truncated);
  return g_test_run ();
}
