using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using ReportApi.Hosting;
using ReportApi.Pins;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>
/// Pre-flight in the browser: a PEM chain pasted or uploaded and a hostname, checked by <c>POST /v1/preflight</c> itself
/// (same parsing, limits and inventory), answered per app version.
/// </summary>
[RequestSizeLimit(MaxFormBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = MaxFormBytes, ValueLengthLimit = ChainUpload.MaxChainBytes)]
internal sealed class PreflightModel(ConsoleQueries queries) : PageModel
{
    // The chain twice (pasted and uploaded) plus the form's other fields.
    private const int MaxFormBytes = 2 * ChainUpload.MaxChainBytes + 16 * 1024;

    public string? Hostname { get; private set; }
    public string? Pem { get; private set; }
    public PreflightResponse? Result { get; private set; }
    public IReadOnlyList<string> Problems { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? hostname, [FromForm] string? pem, IFormFile? file, CancellationToken ct)
    {
        Hostname = hostname;
        Pem = pem;
        var chain = pem;
        if (file is { Length: > 0 })
        {
            if (file.Length > ChainUpload.MaxChainBytes) return Invalid(StatusCodes.Status413PayloadTooLarge, [$"The file is larger than {ChainUpload.MaxChainBytes} bytes."]);
            using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
            chain = await reader.ReadToEndAsync(ct);
        }
        if (string.IsNullOrWhiteSpace(chain)) return Invalid(StatusCodes.Status400BadRequest, ["Paste a PEM chain or choose a file."]);
        if (string.IsNullOrWhiteSpace(hostname)) return Invalid(StatusCodes.Status400BadRequest, ["Enter the hostname the chain will be served for."]);

        var answer = await queries.PreflightAsync(hostname, chain, ct);
        if (answer.Problem is { } problem)
        {
            var errors = problem.Extensions.TryGetValue(ReportApi.Hosting.Problems.ErrorsKey, out var e) && e is IEnumerable<ParameterError> list
                ? list.Select(error => error.Detail).ToList()
                : [problem.Detail ?? problem.Title ?? "Invalid input."];
            return Invalid(answer.Status, errors);
        }
        Result = answer.Value;
        return Page();
    }

    private PageResult Invalid(int status, IReadOnlyList<string> problems)
    {
        Problems = problems;
        Response.StatusCode = status;
        return Page();
    }
}
