using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ReportApi.ResponderConsole.Pages;

/// <summary>Sign-out is a POST with an antiforgery token: a link on another site cannot sign a responder out.</summary>
internal sealed class SignOutModel : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await HttpContext.SignOutAsync(ConsoleAuth.Scheme);
        return Redirect("/console/sign-in?signedOut=true");
    }
}
