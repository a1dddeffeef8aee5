using System.ComponentModel.DataAnnotations;

namespace ReportApi.Auth;

/// <summary>Configuration section <c>Auth</c>: <c>Auth:ApiKeys:0:Name</c>, <c>:Key</c>, <c>:Role</c> (contract).</summary>
public sealed class AuthOptions
{
    public List<ApiKeyEntry> ApiKeys { get; set; } = [];
}

public sealed class ApiKeyEntry
{
    [Required] public string Name { get; set; } = "";

    /// <summary>The bearer secret. At least 16 characters, so a typo'd short key cannot be guessed.</summary>
    [Required, MinLength(16)] public string Key { get; set; } = "";

    /// <summary><c>reader</c> or <c>admin</c>.</summary>
    [Required, RegularExpression("^(reader|admin)$")] public string Role { get; set; } = "";
}

public static class Roles
{
    public const string Reader = "reader";
    public const string Admin = "admin";
}

public static class Policies
{
    /// <summary>Any valid key: readers and admins.</summary>
    public const string Read = "read";

    /// <summary>Admin keys only.</summary>
    public const string Admin = "admin";
}
