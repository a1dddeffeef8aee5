using System.Text.Json;
using System.Text.Json.Serialization;
using ReportApi.Domain.Certificates;

namespace ReportApi.Data;

/// <summary>One certificate as kept in <c>certificate_chains.certificates</c> (jsonb); also what the query API shows.</summary>
public sealed record StoredCertificate(
    int Position,
    string Pem,
    string? ParseError,
    string? Subject,
    string? Issuer,
    string? SerialNumber,
    DateTimeOffset? NotBefore,
    DateTimeOffset? NotAfter,
    string? KeyAlgorithm,
    int? KeySize,
    string? SpkiSha256,
    string? CertificateSha256,
    IReadOnlyList<string> DnsNames,
    bool SelfIssued,
    bool CertificateAuthority)
{
    public static StoredCertificate From(CertificateInfo c) => new(
        c.Position, c.RawPem, c.ParseError, c.Subject, c.Issuer, c.SerialNumber, c.NotBefore, c.NotAfter,
        c.KeyAlgorithm, c.KeySize, c.SpkiSha256, c.CertificateSha256, c.DnsNames, c.IsSelfIssued, c.IsCertificateAuthority);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StoredCertificate[]))]
internal sealed partial class DataJsonContext : JsonSerializerContext;
