"""pat's error messages, in words a person understands.

pat refuses a bad change with an SQL error whose text names the function or
table and the problem ("pat_create: role 'AUTHOR' may not grant 'USER_DELETE'";
README.md, "Errors"). friendly(message, fields) turns one into
(field, text): the form field the message is about (name, valid_from,
valid_to, rights, description, allowed_ips, or None) and a sentence to show next to it. The web page
shows that sentence and keeps pat's own message under "Details".

`fields` are the fields the request changed: an UPDATE of only valid_from
that pat refuses with "valid_to must be later than valid_from" is about the
start the person just typed, not the end they did not touch.
"""
import re


def duration(seconds):
    """366 days, 12 hours, 45 minutes: the largest unit that fits, whole."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'' if n == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"


# (pattern over the message without its "pat_xxx: " prefix, field, text). The
# field "window" means valid_to unless only valid_from was changed.
RULES = [
    (r"role '(?P<role>[^']*)' may not grant '(?P<right>[^']*)'", "rights",
     "Your role ({role}) can not grant {right}. Choose only permissions listed here."),
    (r"'(?P<pattern>[^']*)' matches no right that role '(?P<role>[^']*)' may grant", "rights",
     "Your role ({role}) can not grant any permission matching {pattern}."),
    (r"unknown right '(?P<right>[^']*)'", "rights",
     "{right} is not a permission this server knows."),
    (r"rights names no right", "rights", "Choose at least one permission."),
    (r"resource '(?P<res>[^']*)' of (?P<right>\S+) holds a character that is not allowed", "rights",
     "The resource “{res}” of {right} may hold only letters, digits and _ . : / -."),
    (r"resource '(?P<res>[^']*)' of (?P<right>\S+) holds a '\*' before its end", "rights",
     "The resource “{res}” of {right} may end in * (every resource that begins so), nowhere else."),
    (r"resource '' of (?P<right>\S+) is empty", "rights", "A resource of {right} is empty."),
    (r"resource of (?P<right>\S+) is longer than 128 bytes", "rights",
     "A resource of {right} is too long: at most 128 bytes."),
    (r"rights (is not a valid JSON array of strings|has an empty name|has a name with a NUL byte|must be a text.*)",
     "rights", "The list of permissions is malformed."),
    (r"valid_to must be later than valid_from", "window",
     "The token would stop being valid before it starts: the end must come after the start."),
    (r"lifetime of (?P<n>\d+) seconds exceeds max_lifetime \((?P<max>\d+)\)", "window",
     "A token may be valid for at most {max_h}; this window would be {n_h} long."),
    (r"(?P<f>valid_from|valid_to) is not a time: .*", "{f}",
     "This is not a date and time the server can read."),
    (r"(?P<f>valid_from|valid_to) must be a time.*", "{f}",
     "This is not a date and time the server can read."),
    (r"(?P<f>valid_from|valid_to) is out of range", "{f}",
     "Choose a date between the years 0000 and 9999."),
    (r"name must be a non-empty text", "name", "Give the token a name."),
    (r"name is longer than 255 bytes", "name", "The name is too long: at most 255 bytes."),
    (r"name contains a control character", "name",
     "The name may not contain line breaks, tabs or other control characters."),
    (r"name is not valid UTF-8", "name", "The name holds characters the server can not read."),
    (r"no token with id \d+", None, "This token does not exist any more. Reload the page."),
    (r"allowed_ips entry is not an IP address or block: '(?P<a>[^']*)'",
     "allowed_ips", "“{a}” is not an IP address or block (such as 192.0.2.7 or 10.0.0.0/8)."),
    (r"allowed_ips entry must not be empty", "allowed_ips",
     "An empty line is not an address: remove it."),
    (r"allowed_ips entry has host bits set: '(?P<a>[^']*)'", "allowed_ips",
     "“{a}” has bits set past its prefix: write the block's first address (10.0.0.0/8)."),
    (r"allowed_ips entry has a bad prefix length \((?P<r>[^)]*)\): '(?P<a>[^']*)'", "allowed_ips",
     "The prefix length of “{a}” must be from {r}."),
    (r"allowed_ips holds more than 100 entries", "allowed_ips", "List at most 100 addresses or blocks."),
    (r"description is longer than 1000 bytes", "description",
     "The description is too long: at most 1000 bytes."),
    (r"owner '(?P<o>[^']*)' holds (?P<n>\d+) tokens that are not expired, .*", None,
     "You have {n} tokens already, the most this server allows. Delete one first."),
]
RULES = [(re.compile(p), f, t) for p, f, t in RULES]


def friendly(message, fields=()):
    """(field, text) for one of pat's messages; (None, message) for one not known here."""
    bare = re.sub(r"^pat_\w+: ", "", message)
    for pattern, field, text in RULES:
        m = pattern.fullmatch(bare)
        if not m:
            continue
        values = m.groupdict()
        for key in ("n", "max"):
            if key in values:
                values[key + "_h"] = duration(int(values[key]))
        if field == "window":
            field = "valid_from" if set(fields) == {"valid_from"} else "valid_to"
        elif field and "{" in field:
            field = field.format(**values)
        return field, text.format(**values)
    return None, message
