/* test-pbx-directory.c — extensions (paged), phonebooks, company contacts. */
#include "config.h"

#include "pbx-test-util.h"

#include <string.h>

#include "core/rd-error.h"

static GPtrArray *
finish_list (PbxFixture *f, GAsyncResult **res, GPtrArray *(*finish) (RdPbx *, GAsyncResult *, GError **),
             GError **error)
{
  GPtrArray *list;

  pbx_wait_result (res, 15000);
  list = finish (f->pbx, *res, error);
  g_clear_object (res);
  return list;
}

static void
test_extensions_paged (PbxFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GAsyncResult *res = NULL;
  RdExtension *alice = NULL;

  for (guint i = 0; i < 246; i++)
    {
      g_autofree char *number = g_strdup_printf ("%u", 3000 + i);
      g_autofree char *email = g_strdup_printf ("user%u@example.com", i);
      rd_sim_pbx_add_extension (f->sim, number, "Someone", email);
    }
  pbx_fixture_make_pbx (f, NULL);
  rd_yeastar_pbx_set_page_size (RD_YEASTAR_PBX (f->pbx), 100);
  rd_pbx_list_extensions_async (f->pbx, NULL, pbx_store_result, &res);
  list = finish_list (f, &res, rd_pbx_list_extensions_finish, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 250);
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->sim, "extension/list"), ==, 3);
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (((RdExtension *) list->pdata[i])->number, "2001") == 0)
      alice = list->pdata[i];
  g_assert_nonnull (alice);
  g_assert_cmpstr (alice->email, ==, "alice@example.com");
  g_assert_cmpstr (alice->name, ==, "Alice Zhang");
  g_assert_null (alice->mobile);   /* blank → NULL */
  g_assert_nonnull (alice->id);
}

static void
test_extensions_changed (PbxFixture *f, gconstpointer data)
{
  pbx_fixture_connect (f);
  rd_sim_pbx_add_extension (f->sim, "2005", "Eve Sun", "eve@example.com");
  pbx_sleep (200);
  g_assert_cmpuint (f->extensions_changed, ==, 1);
}

static gint64
create_phonebook (PbxFixture *f, const char *name, GError **error)
{
  GAsyncResult *res = NULL;
  gint64 id;

  rd_pbx_create_phonebook_async (f->pbx, name, NULL, pbx_store_result, &res);
  pbx_wait_result (&res, 15000);
  id = rd_pbx_create_phonebook_finish (f->pbx, res, error);
  g_object_unref (res);
  return id;
}

static gint64
upsert (PbxFixture *f, gint64 book, const RdPbxContact *c, GError **error)
{
  GAsyncResult *res = NULL;
  gint64 id;

  rd_pbx_upsert_contact_async (f->pbx, book, c, NULL, pbx_store_result, &res);
  pbx_wait_result (&res, 15000);
  id = rd_pbx_upsert_contact_finish (f->pbx, res, error);
  g_object_unref (res);
  return id;
}

static void
test_phonebooks_contacts (PbxFixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) books = NULL, stored = NULL, found = NULL;
  g_autoptr(RdPbxContact) c = rd_pbx_contact_new ();
  GAsyncResult *res = NULL;
  RdPbxContactNumber *n;
  gint64 book, id, again;

  pbx_fixture_make_pbx (f, NULL);
  book = create_phonebook (f, "Ringdesk CRM", &error);
  g_assert_no_error (error);
  g_assert_cmpint (book, >, 0);
  g_assert_cmpint (create_phonebook (f, "Ringdesk CRM", &error), ==, 0);
  g_assert_error (error, RD_ERROR, RD_ERROR_CONFLICT);   /* 40003 */
  g_clear_error (&error);
  g_assert_cmpint (create_phonebook (f, "   ", &error), ==, 0);
  g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  c->first_name = g_strdup ("Ada");
  c->last_name = g_strdup ("Li");
  c->company = g_strdup ("Demo <b>&</b>");
  c->remark = g_strdup ("crm:res.partner:42");
  rd_pbx_contact_add_number (c, "business_number", "5503301");
  rd_pbx_contact_add_number (c, "mobile_number", "+33611112222");
  id = upsert (f, book, c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);

  /* update with the full list replaces the numbers */
  c->id = id;
  g_ptr_array_set_size (c->numbers, 0);
  rd_pbx_contact_add_number (c, "mobile_number", "+33699998888");
  again = upsert (f, book, c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again, ==, id);
  stored = rd_sim_pbx_list_contacts (f->sim, book);
  g_assert_cmpuint (stored->len, ==, 1);
  g_assert_cmpuint (((RdPbxContact *) stored->pdata[0])->numbers->len, ==, 1);
  n = ((RdPbxContact *) stored->pdata[0])->numbers->pdata[0];
  g_assert_cmpstr (n->type, ==, "mobile_number");
  g_assert_cmpstr (n->number, ==, "+33699998888");
  g_assert_cmpstr (((RdPbxContact *) stored->pdata[0])->company, ==, "Demo <b>&</b>");

  rd_pbx_list_phonebooks_async (f->pbx, NULL, pbx_store_result, &res);
  books = finish_list (f, &res, rd_pbx_list_phonebooks_finish, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (books->len, ==, 1);
  g_assert_cmpstr (((RdPhonebook *) books->pdata[0])->name, ==, "Ringdesk CRM");
  g_assert_cmpuint (((RdPhonebook *) books->pdata[0])->total, ==, 1);

  rd_pbx_search_contacts_async (f->pbx, "99998888", NULL, pbx_store_result, &res);
  found = finish_list (f, &res, rd_pbx_search_contacts_finish, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpint (((RdPbxContact *) found->pdata[0])->id, ==, id);
  g_assert_cmpstr (((RdPbxContact *) found->pdata[0])->first_name, ==, "Ada Li");
  g_assert_cmpstr (((RdPbxContact *) found->pdata[0])->remark, ==, "crm:res.partner:42");
  n = ((RdPbxContact *) found->pdata[0])->numbers->pdata[0];
  g_assert_cmpstr (n->type, ==, "mobile_number");

  /* deleted on the PBX meanwhile: the update re-creates it */
  c->id = 999999;
  again = upsert (f, book, c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (again, >, id);
}

static void
test_contact_validation (PbxFixture *f, gconstpointer data)
{
  g_autofree char *long_name = g_strnfill (300, 'a');
  struct { const char *first; const char *type; const char *number; } cases[] = {
    { NULL, "business_number", "1" }, { "  ", "business_number", "1" }, { "A", "fax", "1" },
    { "A", "business_number", "" }, { "A", "business_number", "12345678901234567890123456789012" },
    { long_name, "business_number", "1" },
  };

  pbx_fixture_make_pbx (f, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(RdPbxContact) c = rd_pbx_contact_new ();
      g_autoptr(GError) error = NULL;

      c->first_name = g_strdup (cases[i].first);
      rd_pbx_contact_add_number (c, cases[i].type, cases[i].number);
      g_assert_cmpint (upsert (f, 0, c, &error), ==, 0);
      g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
    }
  {
    g_autoptr(RdPbxContact) c = rd_pbx_contact_new ();
    g_autoptr(GError) error = NULL;

    c->first_name = g_strdup ("No numbers");
    g_assert_cmpint (upsert (f, 0, c, &error), ==, 0);
    g_assert_error (error, RD_ERROR, RD_ERROR_INVALID_INPUT);
  }
  /* a phonebook that does not exist: the PBX refuses (70093) */
  {
    g_autoptr(RdPbxContact) c = rd_pbx_contact_new ();
    g_autoptr(GError) error = NULL;

    c->first_name = g_strdup ("Ada");
    rd_pbx_contact_add_number (c, "business_number", "1");
    g_assert_cmpint (upsert (f, 4242, c, &error), ==, 0);
    g_assert_error (error, RD_ERROR, RD_ERROR_NOT_FOUND);
  }
  g_assert_cmpuint (rd_sim_pbx_count_requests (f->sim, "company_contact/create"), ==, 1);
}

int
main (int argc, char **argv)
{
  pbx_test_init (&argc, &argv);
#define ADD(path, fn) g_test_add (path, PbxFixture, NULL, pbx_fixture_setup, fn, pbx_fixture_teardown)
  ADD ("/pbx/directory/extensions-paged", test_extensions_paged);
  ADD ("/pbx/directory/extensions-changed", test_extensions_changed);
  ADD ("/pbx/directory/phonebooks-contacts", test_phonebooks_contacts);
  ADD ("/pbx/directory/contact-validation", test_contact_validation);
  return g_test_run ();
}
