using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace ReportApi.Tests.Infrastructure;

/// <summary>Builds report bodies in each dialect's real byte format (iOS CRLF PEMs, Android LF PEMs and a served chain).</summary>
public static class ReportJson
{
    public static string SamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);
    public static string Sample(string name) => File.ReadAllText(SamplePath(name));

    public static JsonObject Ios(string hostname, IEnumerable<X509Certificate2> chain, IEnumerable<string> pins,
        string vendorId = "599F9C00-92DC-4B5C-9464-7971F01F8370", string appVersion = "3.1.0", string? dateTime = "2026-11-27T10:00:00Z",
        string? notedHostname = null, int validationResult = 1, string bundleId = "com.example.bank", bool enforce = true) => new()
    {
        ["app-bundle-id"] = bundleId,
        ["app-version"] = appVersion,
        ["app-vendor-id"] = vendorId,
        ["app-platform"] = "IOS",
        ["app-platform-version"] = "18.1.0",
        ["trustkit-version"] = "3.0.0",
        ["date-time"] = dateTime,
        ["hostname"] = hostname,
        ["port"] = 0,
        ["noted-hostname"] = notedHostname ?? hostname,
        ["include-subdomains"] = false,
        ["enforce-pinning"] = enforce,
        ["validated-certificate-chain"] = new JsonArray([.. chain.Select(c => (JsonNode)TestPki.IosPem(c))]),
        ["known-pins"] = new JsonArray([.. pins.Select(p => (JsonNode)p)]),
        ["validation-result"] = validationResult,
        ["known-pins-expiration-date"] = null,
    };

    public static JsonObject Android(string hostname, IList<X509Certificate2> chain, IEnumerable<string> pins,
        string vendorId = "0f8fad5b-d9cb-469f-a165-70867728950e", string appVersion = "3.1.0", string dateTime = "2026-11-27T11:00:00Z",
        int validationResult = 1, string bundleId = "com.example.bank") => new()
    {
        ["app-bundle-id"] = bundleId,
        ["app-version"] = appVersion,
        ["app-vendor-id"] = vendorId,
        ["app-platform"] = "ANDROID",
        ["trustkit-version"] = "1.1.5",
        ["date-time"] = dateTime,
        ["hostname"] = hostname,
        ["port"] = 0,
        ["noted-hostname"] = hostname,
        ["include-subdomains"] = false,
        ["enforce-pinning"] = false,
        ["validated-certificate-chain"] = new JsonArray([.. chain.Select(c => (JsonNode)TestPki.AndroidPem(c))]),
        ["served-certificate-chain"] = new JsonArray([.. chain.Take(Math.Max(1, chain.Count - 1)).Select(c => (JsonNode)TestPki.AndroidPem(c))]),
        ["known-pins"] = new JsonArray([.. pins.Select(p => (JsonNode)p)]),
        ["validation-result"] = validationResult,
    };
}
