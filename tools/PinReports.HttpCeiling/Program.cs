// The HTTP ceiling for scripts/loadtest.sh: a minimal Kestrel app that reads the whole request body and answers 204.
// No logging, no middleware, no parsing, no storage: what this machine's HTTP stack costs per report, so the service's
// figure can be read as a fraction of it. Same server GC settings as the service (the SDK's defaults for web apps).
var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = args });
builder.WebHost.UseKestrelCore();
builder.Services.AddRoutingCore();
var app = builder.Build();

app.MapPost("/{**path}", async (HttpRequest request) =>
{
    // Drain the body the way the service does (a pipe read to the end), without keeping it.
    var reader = request.BodyReader;
    while (true)
    {
        var result = await reader.ReadAsync();
        reader.AdvanceTo(result.Buffer.End);
        if (result.IsCompleted) break;
    }
    return Results.NoContent();
});

// The ceiling of GET /v1/advisory (issue 15): a fixed JSON body of an advisory answer's size, nothing else.
var answer = System.Text.Encoding.UTF8.GetBytes(
    "{\"action\":\"update-required\",\"known\":true,\"hosts\":[{\"hostname\":\"datatheorem.com\",\"reason\":\"live-chain-fails-pins\","
    + "\"effectiveFrom\":\"2026-12-01\"}],\"message\":\"Please update.\",\"storeUrl\":\"https://apps.apple.com/app/id000000001\"}");
app.MapGet("/{**path}", () => Results.Bytes(answer, "application/json; charset=utf-8"));

app.Run();
