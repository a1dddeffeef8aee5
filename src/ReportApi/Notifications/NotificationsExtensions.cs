using Microsoft.Extensions.Options;

namespace ReportApi.Notifications;

internal static class NotificationsExtensions
{
    /// <summary>Channels and delivery settings (section <c>Notifications</c>, validated at start-up), the outbox store and its dispatcher.</summary>
    public static IHostApplicationBuilder AddNotifications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<NotificationOptions>, NotificationOptionsValidator>();
        // The dispatcher enforces the per-attempt timeout itself; the client's own stays out of the way.
        builder.Services.AddHttpClient(NotificationDispatcher.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton<NotificationsStore>();
        // What the messages say in each channel comes from their sender (INotificationRenderer, registered by AddAlerting).
        builder.Services.AddSingleton<NotificationDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotificationDispatcher>());
        return builder;
    }
}
