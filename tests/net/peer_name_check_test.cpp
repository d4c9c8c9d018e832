#include "net/peer_name_check.hpp"

#include <openssl/x509_vfy.h>

#include <gtest/gtest.h>

#include "test_pki.hpp"

namespace kinesyslog::net {
namespace {

using testing::Credential;
using testing::make_credential;

// A client certificate from `ca` for `common_name`, with `alt_names` ("DNS:a,DNS:b") if any.
Credential client(const Credential& ca, const std::string& common_name, const char* alt_names = nullptr) {
  Credential made = make_credential(common_name, &ca);
  if (alt_names != nullptr) {
    testing::add_extension(made.certificate.get(), ca.certificate.get(), NID_subject_alt_name, alt_names);
    if (X509_sign(made.certificate.get(), ca.key.get(), EVP_sha256()) <= 0) throw std::runtime_error("X509_sign");
  }
  return made;
}

class PeerNameCheck : public ::testing::Test {
 protected:
  // What verifying `leaf` against the CA gives under the client names of a server context.
  int verify(X509* leaf, const std::vector<std::string>& names) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_server_method()), &SSL_CTX_free);
    require_client_names(context.get(), names);
    std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
    X509_STORE_add_cert(store.get(), ca_.certificate.get());
    std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> check(X509_STORE_CTX_new(), &X509_STORE_CTX_free);
    X509_STORE_CTX_init(check.get(), store.get(), leaf, nullptr);
    X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(check.get()), SSL_CTX_get0_param(context.get()));
    return X509_verify_cert(check.get()) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(check.get());
  }

  Credential ca_ = make_credential("test CA", nullptr);
};

TEST_F(PeerNameCheck, TheCommonNameQualifies) {
  Credential collector = client(ca_, "collector-1");
  EXPECT_TRUE(certificate_names_one_of(collector.certificate.get(), {"other", "collector-1"}));
  EXPECT_TRUE(certificate_names_one_of(collector.certificate.get(), {"COLLECTOR-1"}));
  EXPECT_FALSE(certificate_names_one_of(collector.certificate.get(), {"collector-2", "collector"}));
}

TEST_F(PeerNameCheck, ADnsAlternativeNameQualifiesAndSoDoesTheCommonNameBesideIt) {
  Credential collector = client(ca_, "collector-1", "DNS:logs.example.net,DNS:alt.example.net");
  EXPECT_TRUE(certificate_names_one_of(collector.certificate.get(), {"alt.example.net"}));
  EXPECT_TRUE(certificate_names_one_of(collector.certificate.get(), {"collector-1"}));
  EXPECT_FALSE(certificate_names_one_of(collector.certificate.get(), {"example.net"}));
}

TEST_F(PeerNameCheck, AWildcardCertificateDoesNotStandForOneClient) {
  Credential wildcard = client(ca_, "clients", "DNS:*.example.net");
  EXPECT_FALSE(certificate_names_one_of(wildcard.certificate.get(), {"collector.example.net"}));
}

TEST_F(PeerNameCheck, VerificationRefusesACertificateWithoutOneOfTheNames) {
  Credential allowed = client(ca_, "collector-1");
  Credential by_san = client(ca_, "someone", "DNS:collector-2");
  Credential other = client(ca_, "intruder", "DNS:intruder.example.net");
  const std::vector<std::string> names{"collector-1", "collector-2"};
  EXPECT_EQ(verify(allowed.certificate.get(), names), X509_V_OK);
  EXPECT_EQ(verify(by_san.certificate.get(), names), X509_V_OK);
  EXPECT_EQ(verify(other.certificate.get(), names), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST_F(PeerNameCheck, WithoutNamesEveryCertificateOfTheCaPasses) {
  Credential other = client(ca_, "intruder");
  EXPECT_EQ(verify(other.certificate.get(), {}), X509_V_OK);
}

}  // namespace
}  // namespace kinesyslog::net
