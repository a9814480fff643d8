"""Bearer-token authentication with pat, for any Python web application.

Copy this file into your application as it is. Standard library only; it
needs a sqlite3 connection with pat loaded (Debian's /usr/bin/python3 can
load extensions) in autocommit mode, isolation_level=None, so that pat can
record each token's last use.

    import auth

    client = auth.client_address(peer, forwarded_for)   # peer: the TCP peer's address
    try:
        token_id = auth.authenticate(db, authorization, "DATA_FETCH", realm="api",
                                     client=client)
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

`client` is the caller's IP address, which pat checks against the token's
allow-list (pat_create's allowed_ips): a token with a list is refused
without one. Take it from the TCP connection (http.server's
self.client_address[0], WSGI's environ["REMOTE_ADDR"]). Behind a reverse
proxy that is the proxy's address: client_address() takes the client from
X-Forwarded-For only when the peer is a proxy you list as trusted, and then
the rightmost entry not of a trusted proxy, never the leftmost, which any
client can write.

Nothing is cached: a token deleted, rotated or expired, or whose owner lost
a role, is refused by the next request. Neither the token nor the header is
logged, stored or put in a message here; keep it that way in your log.
"""

import ipaddress

__all__ = ["AuthError", "authenticate", "client_address", "token_owner"]


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


def client_address(peer, forwarded_for=None, trusted_proxies=()):
    """The address to check a token's allow-list against.

    peer             the address of the TCP connection the request came on
    forwarded_for    the X-Forwarded-For header as it came, or None
    trusted_proxies  addresses or blocks of the reverse proxies in front of
                     this server ("10.0.0.5", "10.0.0.0/24"); empty: none

    Without a trusted proxy in front, X-Forwarded-For is whatever the
    client wrote and is ignored: the answer is the peer. Behind one, each
    proxy appends the address it got the request from, so the entries are
    read from the right, skipping trusted proxies; the first other one is
    the client. A header the proxies wrote nothing usable into gives the
    peer (the last proxy itself).
    """
    nets = [ipaddress.ip_network(p, strict=False) for p in trusted_proxies]

    def trusted(text):
        try:
            addr = ipaddress.ip_address(text.strip().split("%")[0])
        except ValueError:
            return False
        if addr.version == 6 and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        return any(addr in n for n in nets)

    if not nets or not trusted(peer) or not forwarded_for:
        return peer
    for entry in reversed(forwarded_for.split(",")):
        entry = entry.strip()
        if not entry:
            continue
        if not trusted(entry):
            try:
                ipaddress.ip_address(entry.split("%")[0])
            except ValueError:
                return peer  # not an address: the proxy did not write it
            return entry
    return peer


def authenticate(db, authorization, right, realm=None, client=None):
    """The id of the token in `authorization` when it holds `right`; AuthError otherwise.

    db             a sqlite3 connection with pat loaded, in autocommit mode
    authorization  the Authorization header's value as it came, or None
    right          the right the endpoint needs, a name from pat_rights
                   ("DATA_FETCH"), or a list or tuple of names, all needed
    realm          the realm of the 401's challenge; None sends just "Bearer"
    client         the caller's IP address (client_address()), or None when
                   unknown: a token with an allow-list is then refused (401)

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
    # ?2 is the client; the rights follow.
    checks = ", ".join("pat_has_right(?1, ?%d, NULL, ?2)" % (i + 3) for i in range(len(rights)))
    token_id, *allowed = db.execute("SELECT pat_verify(?1, unixepoch(), ?2), " + checks,
                                    (authorization, client, *rights)).fetchone()
    if token_id is None:
        headers = {"WWW-Authenticate": challenge(realm)}
        if not authorization:
            raise AuthError(401, "missing token: send 'Authorization: Bearer <token>'", headers)
        raise AuthError(401, "invalid, expired or revoked token, or not allowed from this address",
                        headers)
    for name, ok in zip(rights, allowed):
        if not ok:
            raise AuthError(403, f"this token lacks the right {name}", token_id=token_id)
    return token_id


def token_owner(db, token_id):
    """The owner of token `token_id` (as pat_create was given it), or None when it is gone."""
    row = db.execute("SELECT owner FROM pat_tokens WHERE id = ?", (token_id,)).fetchone()
    return row[0] if row else None
