using System.Net;
using Microsoft.AspNetCore.Http;

namespace ProcessFarm.Coordinator.Serve;

/// <summary>
/// Accepts only requests that the server's own page, or a script on this machine, makes: the Host must be an IP
/// address or <c>localhost</c> at the server's port (a DNS-rebinding page arrives with its own host name), and a
/// request a browser marks as coming from another site (its <c>Origin</c>, or <c>Sec-Fetch-Site</c>) is refused,
/// so that no other page in the user's browser can post uploads or read previews.
/// </summary>
internal static class RequestGuard
{
    /// <summary>Why the request is refused, or null when it may go on.</summary>
    public static string? Refusal(HttpRequest request, int port)
    {
        string host = request.Host.Host;
        if (!request.Host.HasValue || !(IPAddress.TryParse(host.Trim('[', ']'), out _) || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)))
        {
            return $"this server answers to its address or localhost, not to '{request.Host}'";
        }
        if ((request.Host.Port ?? 80) != port)
        {
            return $"this server listens on port {port}, not {request.Host.Port ?? 80}";
        }
        string? origin = request.Headers.Origin;
        if (!string.IsNullOrEmpty(origin) && !string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return $"requests from the page at '{origin}' are not accepted";
        }
        string? site = request.Headers["Sec-Fetch-Site"];
        if (site is "cross-site" or "same-site")
        {
            return "requests from other sites are not accepted";
        }
        return null;
    }
}
