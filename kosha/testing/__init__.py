"""Kosha's test kit: one place for what many tests need. Never write a private copy.

What is where:
- `kosha.testing.factories`: rows made through the real services, not raw inserts:
  `user`, `stored_file` (upload start, bytes to the active store, complete), `stored_version`,
  `pending_upload` (the bytes in the store, not completed),
  `folder`, `trashed_tree`, `unreachable_folder_ids` (a stranger's, a trashed one, a
  malformed id), `share`, `link` (in any of LINK_STATES), and the PASSWORD every made
  account has.
- `kosha.testing.clients`: `api_as(user)` (DRF client), `token_client(key)` (an API token's
  client; a refused token answers one of REFUSED) and `web_as(user)` (signed-in pages).
- `kosha.testing.answers`: `assert_error(response, status, code=, reason=)` (the JSON
  error body), `html_of(response)` (a page's HTML, its status checked) and
  `assert_sent_to_sign_in(response)`.
- `kosha.testing.browser`: Chromium's launch, `signed_in_page`, `row_option`,
  `rows_select` (a click, then Ctrl+clicks), `drop_file` (a synthetic drop onto the page's
  drop zone) and `store_put_gate` (a routed store PUT cut off, held or let through).
- `kosha.testing.races`: `run_concurrently(count, work)` (threads with their own
  connections, released together) and `run_before` / `run_after` (a competing change run
  at the exact moment a given function is called; `in_thread=True` inside a lock).
- `kosha.testing.commits`: `committed()`, a block whose on-commit work (notices, e-mail,
  tasks) runs when it ends, as after its own commit, and never again.
- `kosha.testing.network`: `free_port()` on 127.0.0.1 for a server a test starts.
- `kosha.testing.startup`: `start_up(tmp_path, **environ)`, `manage.py check` in a fresh
  process with exactly those variables (a bad setting's refusal, as an operator sees it).
- `kosha.testing.bad_input`: `BAD_NAMES`, the names every door that takes a name refuses
  (parametrize with it).
- `kosha.testing.fixtures`: the shared fixtures, pytest plugins the root `conftest.py`
  loads, one module per concern: `personas` (`owner`, `collaborator`, `stranger`,
  `owner_client`, `stranger_client`, `owner_web`, `admin_web`, `seeded_tiers`, `world`,
  the sharing world), `stores` (`local_settings`, `s3_settings` on moto's HTTP server,
  `seaweed_settings` on SeaweedFS, `store` for each, `store_name` saying which,
  `faulty_store`, `protocol` (the upload protocol client against a live server),
  `small_multipart`, and `use_s3_bucket()`), `browser` (`live_server`, `browser_page`,
  `owner_page`, `signed_up_page`) and `isolation` (for every test a fresh cache and a
  fast password hasher).
- `storage/tests/protocol.py`: `ProtocolClient`, `usage_of`, `assert_usage_consistent`,
  `assert_upload_completed_as_first_file`, `assert_upload_failed_leaving_nothing`.
- `storage/tests/stores.py`: the SeaweedFS server, the Ceph RGW error dialect, and
  `FaultyBackend` (any backend with injected store faults).
- `kosha.testing.world`: the sharing `World` (a tree, a viewer and an editor, links in
  every state), built by the `world` fixture, and `world_editor_changes` (the editor's
  upload, new folder, rename, move, copy, trash and restore in it).

Adding a factory: a thin function here, keyword arguments after the first few, a
docstring, calling the service a user's request would call (so a change to that service
is made in one place). Only what no service makes (an expired link, an old trash date)
is then changed with a queryset `update()`, said in a comment. A fixture used by more
than one module goes in the `kosha.testing.fixtures` module of its concern, built from
these factories.
"""
