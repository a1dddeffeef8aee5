using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>
/// The acknowledge button's target: the API's acknowledge handler (same lock, same state machine, same audit name),
/// after the API's own acknowledge policy. Success goes back where the button was (post/redirect/get).
/// </summary>
internal sealed class AcknowledgeModel(ConsoleQueries queries, IAuthorizationService authorization) : PageModel
{
    public string Id { get; private set; } = "";
    public string? Problem { get; private set; }

    public IActionResult OnGet(string id) => Redirect($"/console/alerts/{Uri.EscapeDataString(id)}");

    public async Task<IActionResult> OnPostAsync(string id, [FromForm] string? returnUrl, CancellationToken ct)
    {
        Id = id;
        if (!await ConsoleAuth.CanAcknowledgeAsync(authorization, User))
        {
            Problem = "Your key's role may read alerts but not acknowledge them.";
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return Page();
        }
        var answer = await queries.AcknowledgeAsync(id, User, ct);
        if (answer.Problem is { } problem)
        {
            Problem = $"{problem.Title}: {problem.Detail}";
            Response.StatusCode = answer.Status;
            return Page();
        }
        var back = SignInModel.SafeReturnUrl(returnUrl) ?? $"/console/alerts/{answer.Value!.Id}";
        return Redirect(back + (back.Contains('?') ? "&" : "?") + $"acknowledged={answer.Value!.Id}");
    }
}
