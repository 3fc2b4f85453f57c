"""Who may call what: the HTTP status every route answers each kind of caller.

One row per (METHOD, url name) of the URL conf (a third element names a variant of the same
route); ``test_matrix.py`` fails when a route has no row or a row names no route. Each cell is
the answer to a realistic, valid request, so it reflects authorization, not validation.

Columns (``conftest.World``): ``anonymous`` (no token); ``stranger`` (signed in, in no trip of
the row); ``member``, ``admin``, ``owner`` (their role in the row's trip); ``author`` (a MEMBER
who owns the row's object: wrote the todo, message, reaction or poll, owns the notification or
profile; on the invitee's invitation routes, the invitee, who is not a member yet); ``staff``
(``is_staff``, in no trip). ``___`` in the author column: authorship changes nothing there (the
author is then a plain member and is not called).

Trip-scoped routes answer non-members 404, not 403, so a trip's existence is not revealed
(contract Part 1 §3): that is why stranger and staff read 404 throughout.
"""

___ = None  # author column: same as member

ROLES = ("anonymous", "stranger", "member", "admin", "owner", "author", "staff")

# fmt: off
MATRIX: dict[tuple, tuple] = {
    # (method, url name[, variant])                  anon strngr member admin owner author staff
    # --- platform ---------------------------------------------------------------------------
    ("GET", "health"):                                (200, 200, 200, 200, 200, ___, 200),
    ("GET", "health-liveness"):                       (200, 200, 200, 200, 200, ___, 200),
    ("GET", "health-readiness"):                      (200, 200, 200, 200, 200, ___, 200),
    ("GET", "openapi-schema"):                        (200, 200, 200, 200, 200, ___, 200),
    ("GET", "docs"):                                  (200, 200, 200, 200, 200, ___, 200),
    # --- first hour (firsthour): `/` leads to the docs, the favicon to its static file ------
    ("GET", "root"):                                  (302, 302, 302, 302, 302, ___, 302),
    ("GET", "favicon"):                               (302, 302, 302, 302, 302, ___, 302),
    # Only a plain-HTTP hint that the socket needs an Upgrade; the socket authenticates itself.
    ("GET", "websocket-info"):                        (426, 426, 426, 426, 426, ___, 426),
    # --- mobile (issue 12): the socket's AsyncAPI document is public, like the OpenAPI one.
    ("GET", "asyncapi"):                              (200, 200, 200, 200, 200, ___, 200),
    # Development sign-in keys: served only while DJANGO_DEBUG is on (off here, as in prod).
    ("GET", "dev-jwks"):                              (404, 404, 404, 404, 404, ___, 404),
    # Django's admin signs in by session: anyone not staff is sent to its login page.
    ("GET", "admin:index"):                           (302, 302, 302, 302, 302, ___, 200),
    # The landing page has no accounts: anyone may send feedback.
    ("POST", "feedback"):                             (201, 201, 201, 201, 201, ___, 201),
    # --- users (every /users/me route acts on the caller) ----------------------------------
    # The whole directory (with emails) is for app admins: staff or the Cognito admins group.
    ("GET", "user-list"):                             (401, 403, 403, 403, 403, ___, 200),
    ("POST", "user-onboard"):                         (401, 200, 200, 200, 200, ___, 200),
    ("POST", "user-sync"):                            (401, 200, 200, 200, 200, ___, 200),
    ("GET", "user-me"):                               (401, 200, 200, 200, 200, ___, 200),
    ("PUT", "user-contact-email"):                    (401, 200, 200, 200, 200, ___, 200),
    ("POST", "user-avatar"):                          (401, 200, 200, 200, 200, ___, 200),
    ("POST", "avatar-upload"):                        (401, 200, 200, 200, 200, ___, 200),
    ("POST", "avatar-confirm"):                       (401, 200, 200, 200, 200, ___, 200),
    ("GET", "user-search"):                           (401, 200, 200, 200, 200, ___, 200),
    ("POST", "user-push-token"):                      (401, 200, 200, 200, 200, ___, 200),
    ("DELETE", "user-push-token"):                    (401, 204, 204, 204, 204, ___, 204),
    ("DELETE", "user-push-tokens"):                   (401, 204, 204, 204, 204, ___, 204),
    # The author's profile. Any signed-in user may read a profile (contract §2), without its
    # private fields (contactEmail, preferences), and email and presence blank unless the
    # caller shares a trip with its user; see the object cases below.
    ("GET", "user-detail"):                           (401, 200, 200, 200, 200, 200, 200),
    # Self, or an app admin (staff): the one place staff act on someone else's data.
    ("PUT", "user-detail"):                           (401, 403, 403, 403, 403, 200, 200),
    ("PUT", "user-preferences"):                      (401, 403, 403, 403, 403, 200, 200),
    # --- trips and members ------------------------------------------------------------------
    # Lists and creates the caller's own trips: open to every signed-in user.
    ("GET", "trip-list"):                             (401, 200, 200, 200, 200, ___, 200),
    ("POST", "trip-list"):                            (401, 201, 201, 201, 201, ___, 201),
    ("GET", "trip-detail"):                           (401, 404, 200, 200, 200, ___, 404),
    ("PUT", "trip-detail"):                           (401, 404, 403, 200, 200, ___, 404),
    ("DELETE", "trip-detail"):                        (401, 404, 403, 403, 204, ___, 404),
    ("PATCH", "trip-status"):                         (401, 404, 403, 200, 200, ___, 404),
    ("GET", "trip-details"):                          (401, 404, 200, 200, 200, ___, 404),
    ("POST", "trip-search"):                          (401, 404, 200, 200, 200, ___, 404),
    ("GET", "trip-members"):                          (401, 404, 200, 200, 200, ___, 404),
    # --- trust-consent: nobody joins without consent (issue 11 item 2) --------------------
    # "Adding" a user invites them: 201 with a PENDING invitation bound to them; the
    # membership exists only once they accept (test_members_api checks no row appears).
    ("POST", "trip-members"):                         (401, 404, 403, 403, 201, ___, 404),
    # Deleting an account: every signed-in caller deletes their own, and only their own (no
    # id in the URL); a sole owner's trips pass on (tests/users/test_account_deletion.py).
    ("DELETE", "user-me"):                            (401, 204, 204, 204, 204, ___, 204),
    # --- end trust-consent ---------------------------------------------------------------
    # Removing another member is the owner's.
    ("DELETE", "trip-member"):                        (401, 404, 403, 403, 204, ___, 404),
    # Your own id means leaving: any member may, except the trip's last owner (400 last_owner).
    ("DELETE", "trip-member", "self"):                (401, 404, 204, 204, 400, ___, 404),
    ("PUT", "trip-member-role"):                      (401, 404, 403, 200, 200, ___, 404),
    # The OWNER role is immutable, even to the owner (owner_immutable).
    ("PUT", "trip-member-role", "owner's"):           (401, 404, 403, 403, 403, ___, 404),
    # Trip images: the gallery is every member's, adding and deleting ADMIN+ (contract §10).
    ("GET", "trip-images"):                           (401, 404, 200, 200, 200, ___, 404),
    ("POST", "trip-images"):                          (401, 404, 403, 201, 201, ___, 404),
    ("POST", "trip-image-upload"):                    (401, 404, 403, 200, 200, ___, 404),
    ("DELETE", "trip-image"):                         (401, 404, 403, 204, 204, ___, 404),
    # --- invitations ------------------------------------------------------------------------
    ("GET", "trip-invitations"):                      (401, 404, 403, 200, 200, ___, 404),
    ("POST", "trip-invitations"):                     (401, 404, 403, 201, 201, ___, 404),
    ("DELETE", "trip-invitation"):                    (401, 404, 403, 204, 204, ___, 404),
    # The emailed link and the pre-sign-in details: the token is the credential.
    ("GET", "invitation-join"):                       (302, 302, 302, 302, 302, ___, 302),
    ("GET", "invitation-details"):                    (200, 200, 200, 200, 200, ___, 200),
    # Author = the invitee. Anyone else holding the token or the id, trip owner included,
    # gets 403 email_mismatch/auth_mismatch (the contract's codes; ids are unguessable).
    ("POST", "invitation-accept"):                    (401, 403, 403, 403, 403, 200, 403),
    ("POST", "invitation-decline"):                   (401, 403, 403, 403, 403, 204, 403),
    ("GET", "invitation-detail"):                     (401, 403, 403, 403, 403, 200, 403),
    ("POST", "invitation-accept-by-id"):              (401, 403, 403, 403, 403, 200, 403),
    ("POST", "invitation-decline-by-id"):             (401, 403, 403, 403, 403, 204, 403),
    # --- todos ------------------------------------------------------------------------------
    ("GET", "todo-list"):                             (401, 404, 200, 200, 200, ___, 404),
    ("POST", "todo-list"):                            (401, 404, 201, 201, 201, ___, 404),
    ("GET", "todo-detail"):                           (401, 404, 200, 200, 200, ___, 404),
    ("PUT", "todo-detail"):                           (401, 404, 403, 200, 200, 200, 404),
    # Ticking a todo off is any member's; only its text and details are the author's.
    ("PUT", "todo-detail", "status only"):            (401, 404, 200, 200, 200, 200, 404),
    ("DELETE", "todo-detail"):                        (401, 404, 403, 200, 200, 200, 404),
    # --- chat -------------------------------------------------------------------------------
    ("GET", "chat-messages"):                         (401, 404, 200, 200, 200, ___, 404),
    ("POST", "chat-messages"):                        (401, 404, 201, 201, 201, ___, 404),
    ("POST", "chat-messages-read"):                   (401, 404, 200, 200, 200, ___, 404),
    ("PUT", "chat-messages-read"):                    (401, 404, 200, 200, 200, ___, 404),
    ("PUT", "chat-last-read"):                        (401, 404, 200, 200, 200, ___, 404),
    # Editing is the author's alone: not even the owner may put words in someone's mouth.
    ("PUT", "chat-message"):                          (401, 404, 403, 403, 403, 200, 404),
    ("DELETE", "chat-message"):                       (401, 404, 403, 200, 200, 200, 404),
    ("GET", "chat-reactions"):                        (401, 404, 200, 200, 200, ___, 404),
    ("POST", "chat-reactions"):                       (401, 404, 201, 201, 201, ___, 404),
    # Removes the caller's own reaction: for others a no-op 200 (the author's stays, see the
    # object cases), not a 403.
    ("DELETE", "chat-reaction"):                      (401, 404, 200, 200, 200, 200, 404),
    # --- locations and weather --------------------------------------------------------------
    ("GET", "trip-locations"):                        (401, 404, 200, 200, 200, ___, 404),
    ("POST", "trip-locations"):                       (401, 404, 201, 201, 201, ___, 404),
    ("PUT", "trip-locations"):                        (401, 404, 200, 200, 200, ___, 404),
    # The old app's trip-less update: stored for the caller, shown to nobody.
    ("POST", "location-update"):                      (401, 200, 200, 200, 200, ___, 200),
    ("GET", "trip-weather"):                          (401, 404, 200, 200, 200, ___, 404),
    ("POST", "trip-weather-trigger"):                 (401, 404, 200, 200, 200, ___, 404),
    # --- polls ------------------------------------------------------------------------------
    ("GET", "poll-list"):                             (401, 404, 200, 200, 200, ___, 404),
    ("POST", "poll-list"):                            (401, 404, 201, 201, 201, ___, 404),
    ("GET", "poll-detail"):                           (401, 404, 200, 200, 200, ___, 404),
    ("PUT", "poll-detail"):                           (401, 404, 403, 200, 200, 200, 404),
    ("DELETE", "poll-detail"):                        (401, 404, 403, 200, 200, 200, 404),
    ("POST", "poll-vote"):                            (401, 404, 200, 200, 200, ___, 404),
    ("DELETE", "poll-vote-remove"):                   (401, 404, 200, 200, 200, ___, 404),
    ("POST", "poll-close"):                           (401, 404, 403, 200, 200, 200, 404),
    # --- notifications (each caller's own inbox) --------------------------------------------
    ("GET", "notification-list"):                     (401, 200, 200, 200, 200, ___, 200),
    ("DELETE", "notification-list"):                  (401, 200, 200, 200, 200, ___, 200),
    ("GET", "notification-unread-count"):             (401, 200, 200, 200, 200, ___, 200),
    ("PATCH", "notification-read-all"):               (401, 200, 200, 200, 200, ___, 200),
    # The author's notification: anyone else's id is the 404 of a missing one.
    ("PATCH", "notification-read"):                   (401, 404, 404, 404, 404, 204, 404),
    ("DELETE", "notification-detail"):                (401, 404, 404, 404, 404, 204, 404),
    # --- wallet (apps/wallet, contract §13) -------------------------------------------------
    # The personal wallet routes act on the caller's own wallet.
    ("GET", "wallet-documents"):                      (401, 200, 200, 200, 200, ___, 200),
    ("POST", "wallet-documents"):                     (401, 201, 201, 201, 201, ___, 201),
    ("POST", "wallet-document-upload"):               (401, 200, 200, 200, 200, ___, 200),
    # The author's personal document is theirs alone: the trip's admin and owner, and staff,
    # get the 404 of a missing document.
    ("GET", "wallet-document"):                       (401, 404, 404, 404, 404, 200, 404),
    ("PUT", "wallet-document"):                       (401, 404, 404, 404, 404, 200, 404),
    ("DELETE", "wallet-document"):                    (401, 404, 404, 404, 404, 200, 404),
    # The author's document in the trip's group wallet: every member reads it, only its
    # uploader edits or deletes it (not even the owner).
    ("GET", "wallet-document", "group"):              (401, 404, 200, 200, 200, 200, 404),
    ("PUT", "wallet-document", "group"):              (401, 404, 403, 403, 403, 200, 404),
    ("DELETE", "wallet-document", "group"):           (401, 404, 403, 403, 403, 200, 404),
    # The download token (issued to the author for their document) is the credential.
    ("GET", "wallet-file"):                           (307, 307, 307, 307, 307, ___, 307),
    ("GET", "trip-wallet-documents"):                 (401, 404, 200, 200, 200, ___, 404),
    ("POST", "trip-wallet-documents"):                (401, 404, 201, 201, 201, ___, 404),
    ("POST", "trip-wallet-document-upload"):          (401, 404, 200, 200, 200, ___, 404),
}

# Object-level cases: an object that exists, reached through a route the caller may use, but
# not theirs to reach. "another trip's X": X belongs to a trip the caller is not in, its id put
# in a URL of the caller's own trip (the caller is that trip's OWNER, so no role falls short).
# Each case also checks the object is unchanged, and the error code says why.
OBJECT_CASES: dict[str, tuple] = {
    # case:  (caller, method, url name, status, error code)
    "another trip's todo, read":
        ("owner", "GET", "todo-detail", 404, "todo_not_found"),
    "another trip's todo, edit":
        ("owner", "PUT", "todo-detail", 404, "todo_not_found"),
    "another trip's todo, delete":
        ("owner", "DELETE", "todo-detail", 404, "todo_not_found"),
    "another trip's member as assignee":
        ("owner", "POST", "todo-list", 400, "invalid_assignee"),
    "another trip's message, edit":
        ("owner", "PUT", "chat-message", 404, "message_not_found"),
    "another trip's message, delete":
        ("owner", "DELETE", "chat-message", 404, "message_not_found"),
    "another trip's message, reactions":
        ("owner", "GET", "chat-reactions", 404, "message_not_found"),
    "another trip's message, react":
        ("owner", "POST", "chat-reactions", 404, "message_not_found"),
    "another trip's message, unreact":
        ("owner", "DELETE", "chat-reaction", 404, "message_not_found"),
    "another trip's message as read mark":
        ("owner", "PUT", "chat-messages-read", 400, "invalid_message_id"),
    "another trip's message as reply target":
        ("owner", "POST", "chat-messages", 400, "invalid_reply_to"),
    # Unreacting only ever removes the caller's own reaction.
    "another member's reaction":
        ("owner", "DELETE", "chat-reaction", 200, None),
    "another trip's poll, read":
        ("owner", "GET", "poll-detail", 404, "poll_not_found"),
    "another trip's poll, edit":
        ("owner", "PUT", "poll-detail", 404, "poll_not_found"),
    "another trip's poll, delete":
        ("owner", "DELETE", "poll-detail", 404, "poll_not_found"),
    "another trip's poll, close":
        ("owner", "POST", "poll-close", 404, "poll_not_found"),
    "another trip's poll, vote":
        ("owner", "POST", "poll-vote", 404, "poll_not_found"),
    "another poll's option, vote":
        ("owner", "POST", "poll-vote", 404, "option_not_found"),
    # Unvoting only ever removes the caller's own vote.
    "another member's vote":
        ("owner", "DELETE", "poll-vote-remove", 200, None),
    "another trip's invitation, revoke":
        ("owner", "DELETE", "trip-invitation", 404, "invitation_not_found"),
    "another trip's image, delete":
        ("owner", "DELETE", "trip-image", 404, "image_not_found"),
    "another trip's uploaded image, add":
        ("owner", "POST", "trip-images", 400, "invalid_upload_key"),
    "another trip's member, remove":
        ("owner", "DELETE", "trip-member", 404, "member_not_found"),
    "another trip's member, change role":
        ("owner", "PUT", "trip-member-role", 404, "member_not_found"),
    # Lists and searches only ever hold the caller's trips.
    "another trip in my trip list":
        ("owner", "GET", "trip-list", 200, None),
    "another trip in my trip search":
        ("owner", "POST", "trip-search", 200, None),
    "another user's invitation, read":
        ("owner", "GET", "invitation-detail", 403, "auth_mismatch"),
    "another user's invitation, accept":
        ("stranger", "POST", "invitation-accept-by-id", 403, "auth_mismatch"),
    "another user's invitation token, accept":
        ("stranger", "POST", "invitation-accept", 403, "auth_mismatch"),
    "another user's invitation token, decline":
        ("member", "POST", "invitation-decline", 403, "auth_mismatch"),
    "another user's notification, read":
        ("owner", "PATCH", "notification-read", 404, "notification_not_found"),
    "another user's notification, delete":
        ("owner", "DELETE", "notification-detail", 404, "notification_not_found"),
    "another user's notification in my list":
        ("owner", "GET", "notification-list", 200, None),
    "another user's notifications, delete all":
        ("owner", "DELETE", "notification-list", 200, None),
    "another user's push token, deregister":
        ("owner", "DELETE", "user-push-token", 204, None),
    "another user's push tokens, deregister all":
        ("owner", "DELETE", "user-push-tokens", 204, None),
    # A location is only ever written for the caller: the author's stays where it was.
    "another member's location, overwrite":
        ("owner", "PUT", "trip-locations", 200, None),
    # The old app's trip-less location is stored for its user and listed in no trip.
    "a member's trip-less location":
        ("owner", "GET", "trip-locations", 200, None),
    "another trip's locations":
        ("owner", "GET", "trip-locations", 404, "trip_not_found"),
    # A stranger sees the public profile of someone they share no trip with (contract §2):
    # name and picture; never contactEmail or preferences, and email/presence blank.
    "profile of a user who shares no trip":
        ("stranger", "GET", "user-detail", 200, None),
    "another user's profile, edit":
        ("owner", "PUT", "user-detail", 403, "not_profile_owner"),
    "another user's preferences, edit":
        ("owner", "PUT", "user-preferences", 403, "not_profile_owner"),
    "another user's uploaded avatar, claim":
        ("stranger", "POST", "avatar-confirm", 400, "invalid_upload_key"),
    # --- wallet ---
    "another user's personal document in my wallet":
        ("owner", "GET", "wallet-documents", 200, None),
    "another trip's wallet":
        ("owner", "GET", "trip-wallet-documents", 404, "trip_not_found"),
    "another trip's document, read":
        ("owner", "GET", "wallet-document", 404, "document_not_found"),
    "another trip's document, edit":
        ("owner", "PUT", "wallet-document", 404, "document_not_found"),
    "another trip's document, delete":
        ("owner", "DELETE", "wallet-document", 404, "document_not_found"),
    "another user's pending wallet upload, confirm":
        ("stranger", "POST", "wallet-documents", 400, "invalid_upload_key"),
    "a deleted document's download token":
        ("author", "GET", "wallet-file", 404, "document_not_found"),
}
# fmt: on
