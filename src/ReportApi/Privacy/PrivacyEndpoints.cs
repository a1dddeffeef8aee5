using Microsoft.AspNetCore.Http.HttpResults;
using ReportApi.Auth;
using ReportApi.Hosting;

namespace ReportApi.Privacy;

/// <summary>
/// <c>DELETE /v1/devices/{vendorId}</c> (admin): a data-subject request. The raw install id is hashed on the way in
/// with the same key as at ingest, so the service never needs to have stored it.
/// </summary>
internal static class PrivacyEndpoints
{
    public static RouteGroupBuilder MapPrivacy(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/devices").WithTags("Privacy").RequireAuthorization(Policies.Admin);
        group.MapDelete("{vendorId}", DeleteDeviceAsync)
            .WithName("DeleteDevice")
            .WithSummary("Delete everything stored about one install (its app-vendor-id), for data-subject requests")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
    }

    private static async Task<Results<Ok<DeviceDeletion>, ProblemHttpResult>> DeleteDeviceAsync(
        string vendorId, DeviceIdHasher hasher, SourceNetworks networks, PrivacyStore store, ILoggerFactory loggers,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(vendorId) || vendorId.Length > 256)
        {
            return Problems.BadRequest("Invalid vendor id", "vendorId", "Pass the app-vendor-id exactly as the app sends it (1 to 256 characters).");
        }
        var hash = hasher.Hash(vendorId)!;
        var deleted = await store.DeleteDeviceAsync(hash, networks.Keyed(hash, Guid.Empty), ct);
        // The log names the pseudonym, never the raw id: the log must not become the copy we just deleted.
        loggers.CreateLogger("ReportApi.Privacy").LogInformation("Deleted {Reports} reports of device {Device} on request", deleted, Convert.ToHexStringLower(hash.AsSpan(0, 8)));
        return TypedResults.Ok(new DeviceDeletion(Convert.ToHexStringLower(hash.AsSpan(0, 8)), deleted));
    }

    internal sealed record DeviceDeletion(string Device, int ReportsDeleted);
}
