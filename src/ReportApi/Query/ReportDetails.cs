using System.Text.Json;
using ReportApi.Data;

namespace ReportApi.Query;

/// <summary><c>GET /v1/reports/{id}</c>: the report's fields, its raw JSON, every certificate of each chain, its diagnosis.</summary>
public sealed record ReportDetails(
    ReportSummary Report,
    JsonElement Raw,
    IReadOnlyList<ChainView> Chains,
    DiagnosisView Diagnosis);

/// <summary>A reported chain: <c>validated</c> (always) and <c>served</c> (TrustKit-Android, RFC 7469).</summary>
public sealed record ChainView(string Kind, IReadOnlyList<CertificateView> Certificates);

public sealed record CertificateView(
    int Position,
    string? Subject,
    string? Issuer,
    string? SerialNumber,
    DateTimeOffset? NotBefore,
    DateTimeOffset? NotAfter,
    string? KeyAlgorithm,
    int? KeySize,
    string? SpkiSha256,
    bool MatchesKnownPin,
    IReadOnlyList<string> DnsNames,
    string? ParseError,
    string Pem)
{
    public static CertificateView From(StoredCertificate c, IReadOnlySet<string> pinned) => new(
        c.Position, c.Subject, c.Issuer, c.SerialNumber, c.NotBefore, c.NotAfter, c.KeyAlgorithm, c.KeySize, c.SpkiSha256,
        c.SpkiSha256 is not null && pinned.Contains(c.SpkiSha256), c.DnsNames, c.ParseError, c.Pem);
}

public sealed record DiagnosisView(
    string Code,
    string Explanation,
    int? ChangedPosition,
    string? ChangedSubject,
    string? ChangedIssuer,
    string? ChangedSpki,
    bool ChainTrusted,
    bool HostnameMatches,
    bool Expired,
    bool PinMatched,
    string? InterceptionProduct,
    DateTimeOffset? ValidityTime,
    string? ValidityTimeSource,
    string? ValidityTimeReason,
    string? ReplacedSubject,
    string? ReplacedSpki,
    string? RunbookUrl = null)
{
    public static DiagnosisView From(Domain.Diagnosis.Diagnosis d) => new(
        d.Code.ToWireCode(), d.Explanation, d.ChangedPosition, d.ChangedSubject, d.ChangedIssuer, d.ChangedSpki,
        d.ChainTrusted, d.HostnameMatches, d.Expired, d.PinMatched, d.InterceptionProduct,
        d.ValidityTime?.At, d.ValidityTime?.Source, d.ValidityTime?.Reason, d.ReplacedSubject, d.ReplacedSpki);
}

internal static class DiagnosisCodeExtensions
{
    public static string ToWireCode(this Domain.Diagnosis.DiagnosisCode code) => Domain.Diagnosis.DiagnosisCodeNames.ToWire(code);
}
