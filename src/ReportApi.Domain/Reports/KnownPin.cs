namespace ReportApi.Domain.Reports;

/// <summary>
/// One entry of <c>known-pins</c>, RFC 7469 syntax <c>token="value"</c>. <see cref="Sha256"/> is set only for a
/// well-formed <c>pin-sha256</c> whose value is base64 of exactly 32 bytes; anything else is kept raw so a
/// broken app configuration stays visible instead of failing the report.
/// </summary>
public sealed record KnownPin(string Raw, string? Directive, string? Value, byte[]? Sha256)
{
    public bool IsValidSha256 => Sha256 is not null;
}
