-- Each record's prepared form (match/stored_form.hpp) beside it, in a narrow table of its own:
-- a load at start reads ~150 bytes a posting from here instead of the ~1 KB row of postings and
-- parses nothing. A form is written in the transaction of its record's upsert; the triggers
-- drop it whenever its record changes or goes by any other way (a write that brings no form,
-- a statement typed into sqlite3), so a form is never older than its record: a record without
-- one is prepared from its JSON at the next start (actors/record_forms.hpp).
CREATE TABLE posting_forms (
  id   TEXT PRIMARY KEY,
  form BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE candidate_forms (
  id   TEXT PRIMARY KEY,
  form BLOB NOT NULL
) WITHOUT ROWID;
-- What the forms of a kind were made under (match::form_fingerprint: layout and synonyms).
CREATE TABLE record_forms (
  kind        TEXT PRIMARY KEY,
  fingerprint BIGINT NOT NULL
);
-- A trigger on one line: migrations split statements at a ';' that ends a line.
CREATE TRIGGER posting_form_of_update AFTER UPDATE ON postings BEGIN DELETE FROM posting_forms WHERE id = old.id; END;
CREATE TRIGGER posting_form_of_delete AFTER DELETE ON postings BEGIN DELETE FROM posting_forms WHERE id = old.id; END;
CREATE TRIGGER candidate_form_of_update AFTER UPDATE ON candidates BEGIN DELETE FROM candidate_forms WHERE id = old.id; END;
CREATE TRIGGER candidate_form_of_delete AFTER DELETE ON candidates BEGIN DELETE FROM candidate_forms WHERE id = old.id; END;
