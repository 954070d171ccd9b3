using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using ProcessFarm.Coordinator.Cluster;
using ProcessFarm.Shared.Protocol;
using Xunit;

namespace ProcessFarm.Tests.Cluster;

/// <summary>With --tls the listener is a TLS server first: the plain protocol gets no Challenge and is closed.</summary>
public sealed partial class ClusterListenerTests
{
    /// <summary>A TLS record's first byte when the server answers garbage with an alert before closing.</summary>
    private const byte TlsAlertRecord = 0x15;

    [Fact]
    public async Task TlsListener_PlainClients_SeeNoChallenge_AndAreClosed()
    {
        // Arrange
        string directory = TestHelpers.CreateTempDirectory();
        try
        {
            using var tls = FarmTls.Load(TestCertificates.CreatePfx(directory), password: null);
            await using var listener = ClusterListener.Start(IPAddress.Loopback, 0, NullLogger.Instance, TimeSpan.FromSeconds(2), tls);
            var pending = listener.Expect(3, s_secret);
            pending.ProcessId.SetResult(77);
            using var waiter = await ConnectAsync(listener.Endpoint);
            using var talker = await ConnectAsync(listener.Endpoint);

            // Act: a plain worker waits for its Challenge; a plain client that knows the secret sends a Hello at once.
            await SendHelloAsync(talker, s_secret, new byte[ProtocolLimits.NonceBytes], 3, 77);
            byte[] seenByTalker = await ReadUntilClosedAsync(talker);
            byte[] seenByWaiter = await ReadUntilClosedAsync(waiter);

            // Assert: both closed; the talker got at most a TLS alert, the waiter nothing at all (not even in clear).
            Assert.True(seenByTalker.Length == 0 || seenByTalker[0] == TlsAlertRecord, $"the plain client was sent {Convert.ToHexString(seenByTalker)}");
            Assert.Empty(seenByWaiter);
            Assert.False(pending.Connection.Task.IsCompleted);
            Assert.True(await ClusterProcesses.WaitUntilAsync(() => listener.Refused == 2, TestHelpers.Timeout), $"refused {listener.Refused}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<Socket> ConnectAsync(string endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPEndPoint.Parse(endpoint)).DefaultTimeout();
        return socket;
    }

    /// <summary>Everything the peer sends until it closes the connection (a reset counts as closed).</summary>
    private static async Task<byte[]> ReadUntilClosedAsync(Socket socket)
    {
        var seen = new MemoryStream();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().DefaultTimeout();
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return seen.ToArray();
            }
            if (read == 0)
            {
                return seen.ToArray();
            }
            seen.Write(buffer, 0, read);
        }
    }
}
