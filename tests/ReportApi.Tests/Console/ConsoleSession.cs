using System.Net;
using System.Text.RegularExpressions;

namespace ReportApi.Tests.Console;

/// <summary>
/// A browser-like HTTP client for the console without a browser: no automatic redirects, its own cookie jar (the cookies
/// are Secure and the test server is plain HTTP on loopback, which HttpClient's jar would not send back), and the
/// antiforgery field read from the last page like a form would post it.
/// </summary>
internal sealed partial class ConsoleSession : IDisposable
{
    private readonly HttpClient _http;

    public ConsoleSession(Uri baseAddress)
    {
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Dictionary<string, string> Cookies { get; } = new(StringComparer.Ordinal);

    /// <summary>Every Set-Cookie header seen, as sent.</summary>
    public List<string> SetCookies { get; } = [];

    public string? LastToken { get; private set; }

    public static async Task<ConsoleSession> SignInAsync(Uri baseAddress, string apiKey)
    {
        var session = new ConsoleSession(baseAddress);
        var response = await session.PostFormAsync("/console/sign-in", new() { ["apiKey"] = apiKey }, "/console/sign-in");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.True(session.Cookies.ContainsKey("__Host-pinreports-console"), "No session cookie after sign-in.");
        return session;
    }

    public async Task<HttpResponseMessage> GetAsync(string path)
    {
        var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path));
        if (response.Content.Headers.ContentType?.MediaType == "text/html")
        {
            var html = await response.Content.ReadAsStringAsync();
            if (TokenField().Match(html) is { Success: true } m) LastToken = WebUtility.HtmlDecode(m.Groups[1].Value);
        }
        return response;
    }

    public async Task<string> GetHtmlAsync(string path)
    {
        var response = await GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Loads <paramref name="formPage"/> for its token (unless <paramref name="withToken"/> is false), then posts.</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields, string formPage, bool withToken = true)
    {
        await GetAsync(formPage);
        var all = new Dictionary<string, string>(fields);
        if (withToken && LastToken is not null) all["__csrf"] = LastToken;
        return await SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(all) });
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        if (Cookies.Count > 0) request.Headers.Add("Cookie", string.Join("; ", Cookies.Select(c => $"{c.Key}={c.Value}")));
        var response = await _http.SendAsync(request, TestContext.Current.CancellationToken);
        if (response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            foreach (var value in values)
            {
                SetCookies.Add(value);
                var pair = value.Split(';')[0];
                var eq = pair.IndexOf('=');
                var (name, v) = (pair[..eq], pair[(eq + 1)..]);
                if (v.Length == 0 || value.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase)) Cookies.Remove(name);
                else Cookies[name] = v;
            }
        }
        return response;
    }

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
