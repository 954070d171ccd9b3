using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ProcessFarm.Worker;

/// <summary>
/// Connects to a coordinator's TCP listener (<c>--connect tcp://HOST:PORT</c>), without retrying: the
/// coordinator listens before any worker is started, so a refusal means it is gone. The connect timeout bounds a
/// host that drops SYNs. The connected socket is then read and written with direct system calls like a Unix socket.
/// </summary>
internal static class TcpConnector
{
    /// <summary>Connects to HOST:PORT and returns the connected socket (the caller owns it).</summary>
    /// <exception cref="FormatException">Not HOST:PORT.</exception>
    /// <exception cref="TimeoutException">Nothing accepted within <paramref name="timeoutMs"/>.</exception>
    /// <exception cref="SocketException">The host cannot be resolved.</exception>
    public static Socket Connect(string endpoint, int timeoutMs)
    {
        int colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port) || port == 0)
        {
            throw new FormatException($"'{endpoint}' is not HOST:PORT");
        }
        string host = endpoint[..colon].Trim('[', ']');
        var address = IPAddress.TryParse(host, out var parsed) ? parsed : Dns.GetHostAddresses(host)[0];
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // Bounded even when the host drops SYNs (a blocking connect would wait for the kernel's minutes).
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(timeoutMs));
            socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token).AsTask().GetAwaiter().GetResult();
            return socket;
        }
        catch (OperationCanceledException e)
        {
            socket.Dispose();
            throw new TimeoutException($"nothing accepted a connection within {timeoutMs} ms", e);
        }
        catch (SocketException)
        {
            // Refused is final: a coordinator listens before it asks any node for a worker, so nobody listening
            // means it is gone, and a worker must not linger on a node retrying for it.
            socket.Dispose();
            throw;
        }
    }
}
