"""What tests/test_dead_code.py's vulture would call unused, and why each stays. Add a name here only with
its reason; delete what is really dead instead."""

# ruff: noqa: B018, F821
# mypy: ignore-errors

# Columns kept for the record: written by the services (who did what, when), read by the Django admin, the
# audit and data exports, and SQL, not by any code path.
_.admitted_at
_.agreed_at
_.answered_by
_.assigned_at
_.extension_requested_at
_.filed_by
_.finished_at
_.last_seen
_.maker
_.overdue_notified_at
_.received_at
_.recorded_at
_.recorded_by
_.reported_at
_.reported_by
_.responded_at
_.responded_by
_.secret_sha256
_.seen_at
_.sent_at
_.settled_at
_.stage_action
_.submitted_at
_.submitted_by
_.updated_at
_.uploaded_by
_.used_by
_.reminded_due_soon_at  # set through update() by the reminder sweep, read by its filters
_.reminded_overdue_at
_.awaiting_since  # a deal party's: set and cleared through update() and filter()
_.digest_sent_at  # a deal party's: written through update(), read through filter()
_.decided_at
_.decided_by
_.executed_at
_.locked_at
_.published_at
_.result_version
_.exception_class_path  # django-tasks' own column: a task lost with its worker is marked failed

# Stored choices a person picks in a form (the code names only some of them).
_.CANTONESE
_.CHINESE  # a deal's language
_.DELIVERY  # kinds of a deal's obligations, named by the templates' data
_.PAYMENT
_.MILESTONE
_.EMPLOYMENT
_.ENGLISH
_.LARGE
_.MEDIUM
_.MICRO
_.OTHER
_.PUTONGHUA
_.SALE_OF_GOODS
_.SERVICES
_.SMALL
_.TENANCY
_.TRAVEL

# Hooks the frameworks call by name: allauth's adapter, Django's forms, widgets, admin, management commands,
# middleware and signals, Channels' consumers (a group message of type "room.event" calls room_event).
_.AccountAdapter
_.send_mail
_.abstract
_.allow_multiple_selected
_.default_error_messages
_.field_classes
_.help_texts
_.label_from_instance
_.output_field
_.obj
_.options
_.process_exception
_.case_people_changed
_.user_credentials_changed
_.user_credentials_changing
_.account_signed_out
_.room_event
_.room_moved
_.room_signal
_.session_ended
_.deal_event  # the deal room's group messages: "deal.event", "deal.presence", "deal.typing"
_.deal_presence
_.deal_typing
_.base_send  # Channels' AsyncConsumer.__call__ sets it too; ours wraps it
_._leaving  # the task closing a consumer whose channel layer failed, kept so it is not collected early
_._csp_config  # read by Django's CSP middleware on the response
_.WorkerLost  # named by its dotted path in a lost task's exception_class_path

# Fields of a frame or page state, read by the browser scripts (static/js).
_.bid_rounds_used
_.sender_name

# The event loop's database connections: used by the tests and faults suite to observe and reset them.
_.idle_backend_pids
_.close_all

# The case builder (demo/builder.py): stages the tests' fixtures and the benches build that no demo case is in.
_.mediation_session_live
_.deal_disputed  # the deal figures' tests and the query counts' world file disputes from deals with it

# The first deal templates: read by the data migration that publishes them (migrations are not scanned).
_.FIRST_TEMPLATES
_.template_body
