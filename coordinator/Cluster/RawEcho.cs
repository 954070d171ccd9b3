using System.IO.Pipelines;
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
            // Receiving and sending overlap through a bounded pipe: a loop that read, then sent, then read again
            // left the link idle in one direction half the time, and the ceiling came out below what frames reach.
            var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: PauseBytes, resumeWriterThreshold: PauseBytes / 2, useSynchronizationContext: false));
            await Task.WhenAll(ReceiveAsync(socket, pipe.Writer, totalBytes, deadline.Token), SendAsync(socket, pipe.Reader, deadline.Token)).ConfigureAwait(false);
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

    /// <summary>Bytes received and not yet sent back before the receiving side waits.</summary>
    private const int PauseBytes = 8 << 20;

    private static async Task ReceiveAsync(Socket socket, PipeWriter output, long totalBytes, CancellationToken cancellationToken)
    {
        Exception? error = null;
        try
        {
            long received = 0;
            while (received < totalBytes)
            {
                int read = await socket.ReceiveAsync(output.GetMemory(1 << 20), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                output.Advance(read);
                received += read;
                var flushed = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flushed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            error = e;
            throw;
        }
        finally
        {
            await output.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private static async Task SendAsync(Socket socket, PipeReader input, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await socket.SendAsync(segment, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        finally
        {
            await input.CompleteAsync().ConfigureAwait(false);
        }
    }
}
