namespace ReportApi.Diagnosis;

/// <summary>
/// SQL of the host's key history (issue 13, docs/decisions/0006-diagnosis-is-a-pure-function.md): per noted hostname, every key seen in a chain of that
/// host that built to a trusted root and matched the hostname, with its role, certificate names and validity, and when
/// it was first and last seen. Written by the ingest writer only for chains it has not recorded in the last hour, read
/// per host through <see cref="HostKeyHistory"/>'s bounded cache; never a scan of stored chains per report.
/// </summary>
internal static class HostKeysSql
{
    /// <summary>
    /// $1..$11 as arrays ($10: the CA the chain belongs to, its root's subject; $11: the key's index in the built path), one element per (host, key), sorted by host and key so concurrent writers lock rows in the same
    /// order. A key seen again widens first/last seen; its certificate columns follow the latest-expiring certificate
    /// that carried it (a renewed intermediate with the same key, or the cross-sign, keeps one row).
    /// </summary>
    public const string Upsert = """
        INSERT INTO host_keys AS h
            (noted_hostname, spki_sha256, role, subject, issuer, not_after, certificate, first_seen_at, last_seen_at, ca, position)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::bytea[],
                             $8::timestamptz[], $9::timestamptz[], $10::text[], $11::integer[])
        ON CONFLICT (noted_hostname, spki_sha256) DO UPDATE SET
            first_seen_at = least(h.first_seen_at, excluded.first_seen_at),
            last_seen_at = greatest(h.last_seen_at, excluded.last_seen_at),
            role = CASE WHEN excluded.not_after > h.not_after THEN excluded.role ELSE h.role END,
            subject = CASE WHEN excluded.not_after > h.not_after THEN excluded.subject ELSE h.subject END,
            issuer = CASE WHEN excluded.not_after > h.not_after THEN excluded.issuer ELSE h.issuer END,
            ca = CASE WHEN excluded.not_after > h.not_after THEN excluded.ca ELSE h.ca END,
            position = CASE WHEN excluded.not_after > h.not_after THEN excluded.position ELSE h.position END,
            certificate = CASE WHEN excluded.not_after > h.not_after OR h.certificate IS NULL
                               THEN coalesce(excluded.certificate, h.certificate) ELSE h.certificate END,
            not_after = greatest(h.not_after, excluded.not_after)
        """;

    /// <summary>One host's keys, most recently seen first, at most $2 of them (the first column is the host's total count).</summary>
    public const string Load = """
        SELECT count(*) OVER (), spki_sha256, role, subject, issuer, not_after, certificate, first_seen_at, last_seen_at
        FROM host_keys WHERE noted_hostname = $1
        ORDER BY last_seen_at DESC, spki_sha256
        LIMIT $2
        """;

    /// <summary>
    /// Where pinned keys ($1: base64 SPKI SHA-256 array) were seen in any host's trusted chains, for the pin inventory's
    /// <c>matchedCertificate</c>: per key the most recently seen record and every CA it was seen under. An index lookup
    /// per key, instead of unpacking every stored chain per request.
    /// </summary>
    public const string ByKeys = """
        SELECT DISTINCT ON (spki_sha256) spki_sha256, subject, issuer, role, not_after, position,
               array(SELECT DISTINCT h2.ca FROM host_keys h2 WHERE h2.spki_sha256 = h.spki_sha256 ORDER BY 1)
        FROM host_keys h WHERE spki_sha256 = ANY($1)
        ORDER BY spki_sha256, last_seen_at DESC
        """;
}
