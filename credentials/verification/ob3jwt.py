"""OB 3.0 credentials as VC-JWT (OB 3.0 section 8.2, "JSON Web Token Proof Format").

The JOSE header may hold only `alg`, `kid`, `jwk` and `typ` (`typ` "JWT" if present), `alg`
an asymmetric signature algorithm: `none` and the HS* MACs are refused, whatever the header
says. The key comes from `kid` (dereferenced like a Data Integrity verificationMethod and
bound to the issuer the same way) or from `jwk`; a `jwk` alone is not bound to anyone, so the
key binding check fails for it. The registered claims must mirror the credential (section
8.2.4.1): `iss` = issuer id, `jti` = id, `sub` = credentialSubject.id, `nbf` = validFrom,
`exp` = validUntil.
"""

from __future__ import annotations

from typing import Any

import jwt
from jwt.api_jws import PyJWS

from credentials.verification import keys, ob3, schema
from credentials.verification.context import Context
from credentials.verification.report import JWT_CLAIMS, KEY_BINDING, PROOF, Report, id_of, list_of
from credentials.verification.validity import parse_time

ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
HEADER_MEMBERS = frozenset({"alg", "kid", "jwk", "typ"})
_PUBLIC_JWK_MEMBERS = ("kty", "crv", "x", "y", "n", "e")


def header_problem(header: dict[str, Any]) -> str | None:
    alg = header.get("alg")
    if not alg or (isinstance(alg, str) and alg.lower() == "none"):
        return "alg 'none': an unsigned token is never accepted"
    if isinstance(alg, str) and alg.upper().startswith("HS"):
        return f"alg {alg!r} is a shared-secret MAC, not a signature: refused"
    if alg not in ALGORITHMS:
        return f"alg {alg!r} is not allowed (allowed: {', '.join(ALGORITHMS)})"
    extra = sorted(set(header) - HEADER_MEMBERS)
    if extra:
        return f"header members {extra} are not allowed by OB 3.0 (only alg, kid, jwk, typ)"
    if "typ" in header and header["typ"] != "JWT":
        return f"typ {header['typ']!r}: OB 3.0 requires 'JWT' when typ is present"
    if not header.get("kid") and not header.get("jwk"):
        return "the header has neither kid nor jwk, so there is no key"
    jwk = header.get("jwk")
    if jwk is not None and (not isinstance(jwk, dict) or "d" in jwk):
        return "the jwk header must be a public JWK (it holds a private key or is malformed)"
    return None


def _public_part(jwk: dict[str, Any]) -> dict[str, Any]:
    return {k: jwk.get(k) for k in _PUBLIC_JWK_MEMBERS if k in jwk}


def _key(header: dict[str, Any], context: Context
         ) -> tuple[dict[str, Any] | None, keys.Method | None, str | None]:
    """(JWK to verify with, the method `kid` names, why there is no key)."""
    method = None
    kid = header.get("kid")
    if isinstance(kid, str) and kid:
        try:
            method = keys.dereference(kid, context.session)
            kid_jwk = keys.jwk_of(method)
        except keys.KeyProblem as error:
            if "jwk" not in header:
                return None, None, f"cannot get the key {kid}: {error}"
            method = None
        else:
            if "jwk" not in header:
                return kid_jwk, method, None
            if _public_part(kid_jwk) != _public_part(header["jwk"]):
                method = None
    if "jwk" not in header:
        return None, None, f"kid {kid!r} is not a key reference"
    return header["jwk"], method, None


def _signature(token: str, alg: str, jwk: dict[str, Any], source: str, report: Report
               ) -> None:
    if isinstance(jwk.get("alg"), str) and jwk["alg"] != alg:
        report.add(PROOF, False, f"the key is for {jwk['alg']}, the token says {alg}")
        return
    try:
        key = jwt.PyJWK(jwk, algorithm=alg).key
        PyJWS(algorithms=[alg]).decode(token, key=key, algorithms=[alg])
    except jwt.InvalidSignatureError:
        report.add(PROOF, False, f"the {alg} signature does not match the token (altered, or "
                                 "signed with another key)")
        return
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as error:
        report.add(PROOF, False, f"cannot verify the {alg} signature: {error}")
        return
    report.add(PROOF, True, f"{alg} signature verified with {source}")


def _epoch(value: Any) -> int | None:
    moment = parse_time(value)
    return int(moment.timestamp()) if moment else None


def check_claims(payload: dict[str, Any], credential: dict[str, Any], report: Report) -> None:
    problems = [f"the {name} claim is missing" for name in ("iss", "jti", "nbf")
                if name not in payload]
    if "iss" in payload and payload["iss"] != id_of(credential.get("issuer")):
        problems.append(f"iss {payload.get('iss')!r} is not the issuer id")
    if "jti" in payload and payload["jti"] != credential.get("id"):
        problems.append(f"jti {payload.get('jti')!r} is not the credential id")
    subjects = [s for s in list_of(credential.get("credentialSubject")) if isinstance(s, dict)]
    subject_id = subjects[0].get("id") if subjects else None
    if subject_id is not None and payload.get("sub") != subject_id:
        problems.append(f"sub {payload.get('sub')!r} is not credentialSubject.id")
    if subject_id is None and "sub" in payload:
        problems.append("sub is given but credentialSubject has no id")
    start = credential.get("validFrom", credential.get("issuanceDate"))
    if "nbf" in payload and (payload["nbf"] != _epoch(start) or isinstance(payload["nbf"],
                                                                           bool)):
        problems.append(f"nbf {payload.get('nbf')!r} is not validFrom {start!r}")
    end = credential.get("validUntil", credential.get("expirationDate"))
    if ("exp" in payload or end is not None) and (payload.get("exp") != _epoch(end)):
        problems.append(f"exp {payload.get('exp')!r} is not validUntil {end!r}")
    if problems:
        report.add(JWT_CLAIMS, False, "; ".join(problems))
    else:
        present = [c for c in ("iss", "jti", "sub", "nbf", "exp") if c in payload]
        report.add(JWT_CLAIMS, True, f"{', '.join(present)} agree with the credential")


def verify_jwt(token: str, header: dict[str, Any], payload: dict[str, Any], report: Report,
               context: Context) -> None:
    credential = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
    if credential is not payload:
        report.warn("a VC Data Model 1.1 style JWT (credential in the vc claim)")
    report.credential = credential
    report.badge = ob3.summary(credential)
    schema.check_format(credential, report, jwt_payload=True)
    problem = header_problem(header)
    if problem:
        report.add(PROOF, False, problem)
        report.add(KEY_BINDING, False, "the token is refused, so its key was not looked up")
    else:
        jwk, method, missing = _key(header, context)
        if jwk is None:
            report.add(PROOF, False, missing or "no key")
        else:
            source = (f"the key {header['kid']}" if method is not None or "jwk" not in header
                      else "the jwk in the header")
            _signature(token, header["alg"], jwk, source, report)
        _binding(header, method, id_of(credential.get("issuer")), report, context)
    check_claims(payload, credential, report)
    ob3.finish(credential, report, context)


def _binding(header: dict[str, Any], method: keys.Method | None, issuer_id: str | None,
             report: Report, context: Context) -> None:
    if method is None:
        detail = ("the key is embedded in the header (jwk) and no kid of the issuer names it: "
                  "nothing ties it to the issuer") if "jwk" in header else (
            f"the key {header.get('kid')} could not be dereferenced")
        report.add(KEY_BINDING, False, detail)
        return
    problem = keys.binding_problem(method, issuer_id, context.session)
    report.add(KEY_BINDING, problem is None, problem or (
        f"{method.id} is the issuer's key, listed under assertionMethod in {issuer_id}"))
