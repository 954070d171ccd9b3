namespace ProcessFarm.Shared.Protocol;

/// <summary>The coordinator's acceptance of a Hello (docs/PROTOCOL.md, "Handshake").</summary>
/// <param name="Version">The protocol version the coordinator speaks.</param>
/// <param name="Proof">HMAC-SHA256 of both nonces under the run's secret (<see cref="HandshakeProof.Welcome"/>): the coordinator knows the secret too.</param>
public sealed record WelcomeMessage(uint Version, byte[] Proof);
