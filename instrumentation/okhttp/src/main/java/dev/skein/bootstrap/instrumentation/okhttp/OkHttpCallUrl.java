package dev.skein.bootstrap.instrumentation.okhttp;

/**
 * The URL the application asked for (naming the mesh service), carried as a request tag once
 * routing has aimed the request at an endpoint, so that the call's span and metrics describe
 * the logical call ({@code url.full}, {@code server.port}) as the other clients' do.
 *
 * @param url the application's URL
 * @param port its port
 */
public record OkHttpCallUrl(String url, int port) {}
