using System.Net;
using System.Net.Sockets;

namespace ProcessFarm.Coordinator.Cluster;

/// <summary>
/// The link's ceiling for echo: a listener on a node that accepts one connection and sends back every byte it
/// reads, with nothing else in the way (no framing, no serialization, no worker). It closes after
/// <c>totalBytes</c> have gone back, or after 60 s, whichever is first.
/// </summary>
internal static class RawEcho
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(60);

    /// <summary>Listens on <paramref name="address"/> at a free port and returns the port.</summary>
    public static int Open(long totalBytes, string address)
    {
        var listener = new TcpListener(IPAddress.Parse(address), 0);
        listener.Start(1);
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(() => ServeAsync(listener, totalBytes));
        return port;
    }

    private static async Task ServeAsync(TcpListener listener, long totalBytes)
    {
        using var deadline = new CancellationTokenSource(s_deadline);
        try
        {
            using var socket = await listener.AcceptSocketAsync(deadline.Token).ConfigureAwait(false);
            listener.Stop();
            socket.NoDelay = true;
            byte[] buffer = new byte[1 << 20];
            long echoed = 0;
            while (echoed < totalBytes)
            {
                int read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                await socket.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, deadline.Token).ConfigureAwait(false);
                echoed += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The measuring side went away or took too long: nothing to report from here.
        }
        finally
        {
            listener.Stop();
        }
    }
}
