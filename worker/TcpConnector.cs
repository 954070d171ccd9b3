using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ProcessFarm.Worker;

/// <summary>
/// Connects to a coordinator's TCP listener (<c>--connect tcp://HOST:PORT</c>), retrying while it refuses, until the
/// connect timeout. The connected socket is then read and written with direct system calls like a Unix socket.
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
        long deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * timeoutMs / 1000;
        while (true)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                // Bounded even when the host drops SYNs (a blocking connect would wait for the kernel's minutes).
                long leftMs = Math.Max(1, (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency);
                using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(leftMs));
                socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token).AsTask().GetAwaiter().GetResult();
                return socket;
            }
            catch (OperationCanceledException e)
            {
                socket.Dispose();
                throw new TimeoutException($"nothing accepted a connection within {timeoutMs} ms", e);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused && Stopwatch.GetTimestamp() < deadline)
            {
                socket.Dispose();
                Thread.Sleep(20); // the coordinator's listener may not be up yet
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw e.SocketErrorCode == SocketError.ConnectionRefused
                    ? new TimeoutException($"nothing accepted a connection within {timeoutMs} ms", e)
                    : e;
            }
        }
    }
}
