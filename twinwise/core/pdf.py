"""The file layout of a small PDF 1.4: numbered objects, the cross-reference table and the
trailer. The agreement report (agreements/pdf.py) and the demo attachments
(core/demo_network.py) write their own pages and fonts and share this part."""


def assemble(objects: list[bytes], *, root: int, info: int) -> bytes:
    """A PDF whose object n is objects[n - 1]; `root` and `info` are object numbers."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        info,
        xref,
    )
    return bytes(out)
