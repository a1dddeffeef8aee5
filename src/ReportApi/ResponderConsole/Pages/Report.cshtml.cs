using System.Text.Json;
using Microsoft.AspNetCore.Mvc.RazorPages;
using ReportApi.Query;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>One report (<c>GET /v1/reports/{id}</c>): its fields, both chains with pinned keys marked, diagnosis, raw JSON.</summary>
internal sealed class ReportModel(ConsoleQueries queries) : PageModel
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public ReportDetails? Details { get; private set; }
    public string? Problem { get; private set; }
    public string RawJson => Details is null ? "" : JsonSerializer.Serialize(Details.Raw, Indented);

    public async Task OnGetAsync(string id, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var guid))
        {
            Problem = $"'{id}' is not a report id (a UUID).";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        Details = await queries.Reports.FindAsync(guid, ct);
        if (Details is null)
        {
            Problem = $"No report has id {guid}.";
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }
}
