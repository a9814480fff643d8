"""Bearer-token authentication with pat, for any Python web application.

Copy this file into your application as it is. Standard library only; it
needs a sqlite3 connection with pat loaded (Debian's /usr/bin/python3 can
load extensions) in autocommit mode, isolation_level=None, so that pat can
record each token's last use.

    import auth

    try:
        token_id = auth.authenticate(db, authorization, "DATA_FETCH", realm="api")
    except auth.AuthError as e:
        # e.status:  401 (no valid token) or 403 (a valid token without the right)
        # e.message: a sentence for the client, never the token
        # e.headers: {"WWW-Authenticate": 'Bearer realm="api"'} on a 401, {} on a 403
        # e.token_id: the refused token's id on a 403 (for your log), None on a 401
        ...answer e.status with e.headers...

`authorization` is the request's Authorization header exactly as it came, or
None when it had none: http.server's self.headers.get("Authorization"),
WSGI's environ.get("HTTP_AUTHORIZATION"), Flask's
request.headers.get("Authorization"). pat_verify reads "Bearer <token>" (any
case), and a bare token too; None, "Basic ...", or junk simply do not
verify, so do not parse the header yourself.

Nothing is cached: a token deleted, rotated or expired, or whose owner lost
a role, is refused by the next request. Neither the token nor the header is
logged, stored or put in a message here; keep it that way in your log.
"""

__all__ = ["AuthError", "authenticate", "token_owner"]


class AuthError(Exception):
    """A refused request: answer it with `status` and `headers`.

    status    401 when the request has no token that exists and is valid now
              (missing, malformed, unknown, expired, deleted or rotated);
              403 when the token is valid but lacks a right the endpoint needs
    message   why, in a sentence for the client; it never holds the token
    headers   the response headers the status needs: a Bearer challenge
              (WWW-Authenticate) on a 401, none on a 403
    token_id  the refused token's id on a 403, for your log; None on a 401
    """

    def __init__(self, status, message, headers=None, token_id=None):
        super().__init__(message)
        self.status, self.message = status, message
        self.headers = headers or {}
        self.token_id = token_id


def challenge(realm=None):
    """The WWW-Authenticate value of a 401: Bearer, with realm="..." when given."""
    if realm is None:
        return "Bearer"
    return 'Bearer realm="%s"' % realm.replace("\\", "\\\\").replace('"', '\\"')


def authenticate(db, authorization, right, realm=None):
    """The id of the token in `authorization` when it holds `right`; AuthError otherwise.

    db             a sqlite3 connection with pat loaded, in autocommit mode
    authorization  the Authorization header's value as it came, or None
    right          the right the endpoint needs, a name from pat_rights
                   ("DATA_FETCH"), or a list or tuple of names, all needed
    realm          the realm of the 401's challenge; None sends just "Bearer"

    Raises AuthError 401 (no valid token) or 403 (a right missing). A right
    that is not in pat_rights is a bug in the caller, not a refusal: pat's
    sqlite3.OperationalError ("pat_has_right: unknown right 'X'") goes up
    as it is, as does any other database error.

    One statement does every check. pat_verify is asked with an explicit
    time (unixepoch(), now) so that it writes nothing: pat_has_right alone
    does the bookkeeping, one last_used_at and, under audit 'all', one use
    or deny event per right checked.
    """
    rights = [right] if isinstance(right, str) else list(right)
    if not rights:
        raise ValueError("authenticate needs at least one right")
    checks = ", ".join("pat_has_right(?1, ?%d)" % (i + 2) for i in range(len(rights)))
    token_id, *allowed = db.execute("SELECT pat_verify(?1, unixepoch()), " + checks,
                                    (authorization, *rights)).fetchone()
    if token_id is None:
        headers = {"WWW-Authenticate": challenge(realm)}
        if not authorization:
            raise AuthError(401, "missing token: send 'Authorization: Bearer <token>'", headers)
        raise AuthError(401, "invalid, expired or revoked token", headers)
    for name, ok in zip(rights, allowed):
        if not ok:
            raise AuthError(403, f"this token lacks the right {name}", token_id=token_id)
    return token_id


def token_owner(db, token_id):
    """The owner of token `token_id` (as pat_create was given it), or None when it is gone."""
    row = db.execute("SELECT owner FROM pat_tokens WHERE id = ?", (token_id,)).fetchone()
    return row[0] if row else None
