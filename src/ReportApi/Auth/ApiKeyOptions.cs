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

    /// <summary>
    /// The bearer secret. At least 16 characters here; outside Development at least 32 random bytes' worth and no
    /// published sample (checked at start-up by the production secrets check of the Security feature).
    /// </summary>
    [Required, MinLength(16)] public string Key { get; set; } = "";

    /// <summary><c>reader</c>, <c>responder</c> or <c>admin</c> (<see cref="Roles"/>).</summary>
    [Required, RegularExpression("^(reader|responder|admin)$")] public string Role { get; set; } = "";
}

/// <summary>
/// Roles for people and bots, each a superset of the one before: <c>reader</c> reads; <c>responder</c> (on-call) also
/// acknowledges alerts; <c>admin</c> also posts activity and deletes a device's data. Acknowledging is separate from
/// admin so whoever is paged at night does not hold the key that erases data.
/// </summary>
public static class Roles
{
    public const string Reader = "reader";
    public const string Responder = "responder";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Reader, Responder, Admin];
}

public static class Policies
{
    /// <summary>Any valid key: readers, responders and admins.</summary>
    public const string Read = "read";

    /// <summary>Responders and admins: acknowledge alerts.</summary>
    public const string Respond = "respond";

    /// <summary>Admin keys only.</summary>
    public const string Admin = "admin";
}
