"""Who may use the foundation's routes: accounts, start pages, user admin, API base."""

ANY = "any"  # every logged-in user
PUBLIC = "public"

EXPECTATIONS = {
    # endpoint: allowed roles (a set), ANY or PUBLIC
    "static": PUBLIC,
    "home.index": PUBLIC,
    "home.start": ANY,
    "home.driver": {"driver"},
    "home.caretaker": {"caretaker"},
    "home.coordinator": {"coordinator"},
    "auth.login": PUBLIC,
    "auth.register": PUBLIC,
    "auth.language": PUBLIC,
    "auth.logout": ANY,
    "auth.profile": ANY,
    "auth.password": ANY,
    "auth.token_create": ANY,
    "auth.token_revoke": ANY,
    "admin.users": {"coordinator"},
    "admin.user_new": {"coordinator"},
    "admin.user_edit": {"coordinator"},
    "admin.user_password": {"coordinator"},
    "admin.audit": {"coordinator"},
    "api.openapi_document": PUBLIC,
    "api.me": ANY,
    "api.users_create": {"coordinator"},
}
