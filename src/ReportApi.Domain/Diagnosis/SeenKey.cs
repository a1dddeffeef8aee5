namespace ReportApi.Domain.Diagnosis;

/// <summary>Where a key sat in a chain seen earlier.</summary>
public enum KeyRole
{
    Leaf,
    Intermediate,
    Root,
}

/// <summary>A public key observed in an earlier chain: its role and the certificate names it was seen under.</summary>
public sealed record SeenKey(KeyRole Role, string Subject, string Issuer);
