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

app.Run();
