#include "config.h"

#include "rd-odoo-rows.h"

#include <string.h>

#define MAX_DEPTH 64   /* as the general parser (rd-odoo-errors.c) */

typedef struct {
  const char *p, *end;
  GString    *buf;     /* the string just read, unescaped */
} Scan;

static void
ws (Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

/* Consumes @c (after white space) if it is next. */
static gboolean
take (Scan *s, char c)
{
  ws (s);
  if (s->p < s->end && *s->p == c)
    {
      s->p++;
      return TRUE;
    }
  return FALSE;
}

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* A string into s->buf. FALSE: not JSON, or an escape left to the general parser (\u0000 and
 * surrogates, which json-glib treats its own way). The text was checked to be UTF-8. */
static gboolean
read_string (Scan *s)
{
  ws (s);
  if (s->p >= s->end || *s->p != '"')
    return FALSE;
  s->p++;
  g_string_truncate (s->buf, 0);
  for (;;)
    {
      const char *start = s->p;
      gunichar u = 0;

      while (s->p < s->end && *s->p != '"' && *s->p != '\\' && (guchar) *s->p >= 0x20)
        s->p++;
      g_string_append_len (s->buf, start, s->p - start);
      if (s->p >= s->end || (guchar) *s->p < 0x20)
        return FALSE;   /* unterminated, or a raw control character */
      if (*s->p++ == '"')
        return TRUE;
      if (s->p >= s->end)
        return FALSE;
      switch (*s->p++)
        {
        case '"': g_string_append_c (s->buf, '"'); break;
        case '\\': g_string_append_c (s->buf, '\\'); break;
        case '/': g_string_append_c (s->buf, '/'); break;
        case 'b': g_string_append_c (s->buf, '\b'); break;
        case 'f': g_string_append_c (s->buf, '\f'); break;
        case 'n': g_string_append_c (s->buf, '\n'); break;
        case 'r': g_string_append_c (s->buf, '\r'); break;
        case 't': g_string_append_c (s->buf, '\t'); break;
        case 'u':
          if (s->end - s->p < 4)
            return FALSE;
          for (int i = 0; i < 4; i++)
            {
              int h = hex_digit (s->p[i]);

              if (h < 0)
                return FALSE;
              u = u * 16 + (gunichar) h;
            }
          s->p += 4;
          if (u == 0 || (u >= 0xD800 && u <= 0xDFFF))
            return FALSE;
          g_string_append_unichar (s->buf, u);
          break;
        default:
          return FALSE;
        }
    }
}

/* An integer that fits gint64; any other number (a fraction, an exponent, too many digits) is
 * left to the general parser. */
static gboolean
read_int (Scan *s, gint64 *out)
{
  const char *start;
  char digits[24];
  gsize n;
  gint64 v;

  ws (s);
  start = s->p;
  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p >= s->end || !g_ascii_isdigit (*s->p))
    return FALSE;
  if (*s->p == '0')
    s->p++;
  else
    while (s->p < s->end && g_ascii_isdigit (*s->p))
      s->p++;
  if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E'))
    return FALSE;
  n = (gsize) (s->p - start);
  if (n >= sizeof digits)
    return FALSE;
  memcpy (digits, start, n);
  digits[n] = '\0';
  if (!g_ascii_string_to_signed (digits, 10, G_MININT64, G_MAXINT64, &v, NULL))
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
read_literal (Scan *s, const char *word)
{
  gsize n = strlen (word);

  ws (s);
  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

typedef enum { V_STRING, V_INT, V_TRUE, V_FALSE, V_NULL, V_ARRAY, V_OBJECT, V_BAD } ValueKind;

static ValueKind
next_kind (Scan *s)
{
  ws (s);
  if (s->p >= s->end)
    return V_BAD;
  switch (*s->p)
    {
    case '"': return V_STRING;
    case '[': return V_ARRAY;
    case '{': return V_OBJECT;
    case 't': return V_TRUE;
    case 'f': return V_FALSE;
    case 'n': return V_NULL;
    default: return *s->p == '-' || g_ascii_isdigit (*s->p) ? V_INT : V_BAD;
    }
}

/* Any JSON value, nested at most to MAX_DEPTH counting @depth. */
static gboolean
skip_value (Scan *s, guint depth)
{
  gint64 ignored;

  switch (next_kind (s))
    {
    case V_STRING:
      return read_string (s);
    case V_INT:
      return read_int (s, &ignored);
    case V_TRUE:
      return read_literal (s, "true");
    case V_FALSE:
      return read_literal (s, "false");
    case V_NULL:
      return read_literal (s, "null");
    case V_ARRAY:
      if (depth + 1 > MAX_DEPTH)
        return FALSE;
      s->p++;
      if (take (s, ']'))
        return TRUE;
      do
        if (!skip_value (s, depth + 1))
          return FALSE;
      while (take (s, ','));
      return take (s, ']');
    case V_OBJECT:
      if (depth + 1 > MAX_DEPTH)
        return FALSE;
      s->p++;
      if (take (s, '}'))
        return TRUE;
      do
        if (!read_string (s) || !take (s, ':') || !skip_value (s, depth + 1))
          return FALSE;
      while (take (s, ','));
      return take (s, '}');
    default:
      return FALSE;
    }
}

/* ---- a row ------------------------------------------------------------------------------ */

enum {
  F_ID, F_COMPLETE, F_COMPANY_NAME, F_IS_COMPANY, F_PHONE, F_MOBILE, F_COUNTRY, F_WRITE_DATE, F_ACTIVE,
  N_FIELDS
};

static const char * const field_names[N_FIELDS] = {
  [F_ID] = "id", [F_COMPLETE] = "complete_name", [F_COMPANY_NAME] = "commercial_company_name",
  [F_IS_COMPANY] = "is_company", [F_PHONE] = "phone", [F_MOBILE] = "mobile", [F_COUNTRY] = "country_id",
  [F_WRITE_DATE] = "write_date", [F_ACTIVE] = "active",
};

typedef struct {
  guint     seen;            /* bits of F_* */
  gint64    id, country_id;
  gboolean  is_company, active;
  char     *text[N_FIELDS];  /* string fields; NULL for false / null */
} Row;

static void
row_clear (Row *r)
{
  for (guint i = 0; i < N_FIELDS; i++)
    g_clear_pointer (&r->text[i], g_free);
}

/* A text member: a string, false or null (rd_odoo_json_get_string). */
static gboolean
read_text (Scan *s, char **out)
{
  switch (next_kind (s))
    {
    case V_STRING:
      if (!read_string (s))
        return FALSE;
      *out = g_strndup (s->buf->str, s->buf->len);
      return TRUE;
    case V_FALSE:
      return read_literal (s, "false");
    case V_NULL:
      return read_literal (s, "null");
    default:
      return FALSE;
    }
}

/* A boolean member; null keeps the default (rd_odoo_json_get_bool). */
static gboolean
read_bool (Scan *s, gboolean *out)
{
  switch (next_kind (s))
    {
    case V_TRUE:
      *out = TRUE;
      return read_literal (s, "true");
    case V_FALSE:
      *out = FALSE;
      return read_literal (s, "false");
    case V_NULL:
      return read_literal (s, "null");
    default:
      return FALSE;
    }
}

/* A many2one: a bare id (load=''), [id, name], false or null (rd_odoo_json_get_m2o_id). */
static gboolean
read_m2o (Scan *s, guint depth, gint64 *out)
{
  *out = 0;
  switch (next_kind (s))
    {
    case V_INT:
      return read_int (s, out);
    case V_FALSE:
      return read_literal (s, "false");
    case V_NULL:
      return read_literal (s, "null");
    case V_ARRAY:
      if (depth + 1 > MAX_DEPTH)
        return FALSE;
      s->p++;
      if (take (s, ']'))
        return TRUE;
      if (next_kind (s) == V_INT)
        {
          if (!read_int (s, out))
            return FALSE;
        }
      else if (!skip_value (s, depth + 1))
        return FALSE;
      while (take (s, ','))
        if (!skip_value (s, depth + 1))
          return FALSE;
      return take (s, ']');
    default:
      return FALSE;
    }
}

static gboolean
read_row (Scan *s, guint depth, Row *r)
{
  if (!take (s, '{') || depth > MAX_DEPTH)
    return FALSE;
  r->active = TRUE;
  if (take (s, '}'))
    return TRUE;
  do
    {
      guint f = N_FIELDS;
      gboolean ok;

      if (!read_string (s) || !take (s, ':'))
        return FALSE;
      for (guint i = 0; i < N_FIELDS && f == N_FIELDS; i++)
        if (s->buf->len == strlen (field_names[i]) && memcmp (s->buf->str, field_names[i], s->buf->len) == 0)
          f = i;
      if (f == N_FIELDS)
        ok = skip_value (s, depth);
      else if (r->seen & (1u << f))
        ok = FALSE;   /* a member twice: the general parser decides which one counts */
      else
        {
          r->seen |= 1u << f;
          switch (f)
            {
            case F_ID: ok = next_kind (s) == V_INT && read_int (s, &r->id); break;
            case F_IS_COMPANY: ok = read_bool (s, &r->is_company); break;
            case F_ACTIVE: ok = read_bool (s, &r->active); break;
            case F_COUNTRY: ok = read_m2o (s, depth, &r->country_id); break;
            default: ok = read_text (s, &r->text[f]); break;
            }
        }
      if (!ok)
        return FALSE;
    }
  while (take (s, ','));
  return take (s, '}');
}

/* As rd-odoo-records.c's dup_clean. */
static char *
clean (const char *text)
{
  char *copy;

  if (text == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (text));
  if (*copy == '\0')
    g_clear_pointer (&copy, g_free);
  return copy;
}

/* The change rd_odoo_change_from_row() makes of the same row, or NULL where it would fail. */
static RdCrmChange *
row_change (Row *r, RdCrmKind kinds)
{
  RdCrmChange *c;
  GPtrArray *numbers;
  static const guint number_fields[] = { F_PHONE, F_MOBILE };

  if (!(r->seen & (1u << F_COMPLETE)) || !(r->seen & (1u << F_ID)) || r->id <= 0)
    return NULL;
  c = g_new0 (RdCrmChange, 1);
  c->id = r->id;
  c->kind = r->is_company ? RD_CRM_KIND_COMPANY : RD_CRM_KIND_INDIVIDUAL;
  if (kinds != RD_CRM_KIND_NONE && (c->kind & kinds) == 0)
    {
      rd_crm_change_free (c);
      return NULL;
    }
  c->active = r->active;
  c->name = clean (r->text[F_COMPLETE]);
  if (c->name == NULL)
    c->name = g_strdup_printf ("Contact %" G_GINT64_FORMAT, c->id);
  c->company = clean (r->text[F_COMPANY_NAME]);
  c->write_date = clean (r->text[F_WRITE_DATE]);
  numbers = g_ptr_array_new ();
  for (guint i = 0; i < G_N_ELEMENTS (number_fields); i++)
    {
      char *n = clean (r->text[number_fields[i]]);

      if (n != NULL)
        g_ptr_array_add (numbers, n);
    }
  g_ptr_array_add (numbers, NULL);
  c->numbers = (char **) g_ptr_array_free (numbers, FALSE);
  return c;
}

static gboolean
read_rows (Scan *s, guint depth, RdCrmKind kinds, GPtrArray *changes, GArray *country_ids)
{
  if (!take (s, '[') || depth > MAX_DEPTH)
    return FALSE;
  if (take (s, ']'))
    return TRUE;
  do
    {
      Row r = { 0 };
      RdCrmChange *c = NULL;

      if (read_row (s, depth + 1, &r))
        c = row_change (&r, kinds);
      row_clear (&r);
      if (c == NULL)
        return FALSE;
      g_ptr_array_add (changes, c);
      g_array_append_val (country_ids, r.country_id);
    }
  while (take (s, ','));
  return take (s, ']');
}

GPtrArray *
rd_odoo_rows_read (const char *data, gsize len, guint http_status, gboolean json2, RdCrmKind kinds,
                   GArray *country_ids)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func ((GDestroyNotify) rd_crm_change_free);
  g_autoptr(GString) buf = NULL;
  Scan s = { data, data + len, NULL };
  guint n_ids = country_ids->len;
  gboolean ok, have_result = FALSE;

  if (http_status != 200 || data == NULL || len == 0 || len > G_MAXSSIZE || !g_utf8_validate_len (data, len, NULL))
    return NULL;
  s.buf = buf = g_string_sized_new (256);
  if (json2)
    ok = read_rows (&s, 1, kinds, changes, country_ids);
  else
    {
      ok = take (&s, '{') && !take (&s, '}');
      while (ok)
        {
          if (!read_string (&s) || !take (&s, ':'))
            ok = FALSE;
          else if (strcmp (s.buf->str, "result") == 0 && s.buf->len == 6)
            ok = !have_result && (have_result = TRUE) && read_rows (&s, 2, kinds, changes, country_ids);
          else if (strcmp (s.buf->str, "error") == 0 && s.buf->len == 5)
            ok = read_literal (&s, "null");   /* an error: the general parser classifies it */
          else
            ok = skip_value (&s, 1);
          if (!ok || !take (&s, ','))
            break;
        }
      ok = ok && have_result && take (&s, '}');
    }
  ws (&s);
  if (!ok || s.p != s.end)
    {
      g_array_set_size (country_ids, n_ids);
      return NULL;
    }
  return g_steal_pointer (&changes);
}
