namespace ReportApi.Hosting;

/// <summary>
/// <c>ReportApi healthcheck [url]</c> (<see cref="CommandModes"/>): exits 0 when the running service answers <c>/readyz</c>. Container images of
/// ASP.NET Core carry no curl or wget, so the image checks itself with its own binary.
/// </summary>
internal static class HealthCheckCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var url = args.Length > 1 ? args[1] : "http://127.0.0.1:8080/readyz";
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            var response = await client.GetAsync(url);
            Console.WriteLine($"{url}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.WriteLine($"{url}: {e.Message}");
            return 1;
        }
    }
}
